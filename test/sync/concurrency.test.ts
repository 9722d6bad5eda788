import { describe, expect, it } from 'vitest';
import { databaseKinds, KEY_A } from '../store/databases.js';
import { CONNECTORS } from './helpers.js';
import { childSuite, collect, exited, forkChild, message } from './processes.js';

const SCHEDULES = 12;

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`two scheduler processes on one ${kind.dialect} database`, () => {
    const suite = childSuite(kind, 'conc', { users: [{ id: 'u1', name: 'Ann' }, { id: 'u2', name: 'Bo' }] });

    it('run each due sync exactly once', async () => {
      const { db, api, platform } = suite;
      const ids: string[] = [];
      for (let i = 0; i < SCHEDULES; i++) {
        const c = await platform.connections.create({
          tenant: `tenant-${i % 3}`, connector: 'fakeapi', name: `c${i}`, config: { base_url: api.url }, credentials: { token: api.token }, skipCheck: true,
        });
        await platform.schedules.set(c.id, 'users', { every: '1h' });
        ids.push(c.id);
      }
      // Pages are held until both processes own a running sync (then slowed a little), so the
      // work is shared because the test arranged it, not because one child happened to be
      // quicker off the mark; a double claim still has every chance to show.
      let shared = false;
      api.beforePage = async () => {
        const until = Date.now() + 20_000;
        while (!shared && Date.now() < until) {
          const owners = await platform.store.knex('sync_runs').where('status', 'running').distinct('lease_owner');
          shared = owners.length >= 2;
          if (!shared) await new Promise((r) => setTimeout(r, 25));
        }
        await new Promise((r) => setTimeout(r, 50));
      };

      const children = [0, 1].map(() => forkChild('scheduler-child.mjs', [db.url, CONNECTORS, '5000'], { PATCHBAY_SECRET_KEYS: KEY_A }));
      const logs = children.map(collect);
      await Promise.all(children.map((c) => message(c, 'ready')));
      for (const c of children) c.send('go');

      const deadline = Date.now() + 60_000;
      let runs = await platform.runs.list({ limit: 100 });
      while ((runs.items.length < SCHEDULES || runs.items.some((r) => r.status === 'running')) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        runs = await platform.runs.list({ limit: 100 });
      }
      // Keep polling a while longer: a double claim would show up as a second run now.
      await new Promise((r) => setTimeout(r, 500));
      for (const c of children) c.send('stop');
      await Promise.all(children.map((c) => message(c, 'stopped')));
      const codes = await Promise.all(children.map(exited));
      expect(codes.map((c) => c.code), logs.map((l) => l.err()).join('\n')).toEqual([0, 0]);

      runs = await platform.runs.list({ limit: 100 });
      expect(runs.items.map((r) => r.connectionId).sort()).toEqual([...ids].sort());
      expect(runs.items.every((r) => r.status === 'success' && r.trigger === 'schedule' && r.stream === 'users')).toBe(true);
      expect(api.hits['/users']).toBe(SCHEDULES);
      // Both processes took part: the work was shared, not serialised by luck.
      const owners = new Set((await platform.store.knex('sync_runs').pluck('lease_owner')) as string[]);
      expect(owners.size).toBe(2);
      const schedules = await Promise.all(ids.map((id) => platform.schedules.get(id, 'users')));
      expect(schedules.every((s) => s?.lastRunId && !s.leaseOwner)).toBe(true);
    }, 120_000);
  });
}

/**
 * The scheduler's claim on each database (SQLite's conditional update and PostgreSQL's
 * SKIP LOCKED batch): a stored schedule it cannot run is switched off with its reason,
 * and the rest of the batch is still claimed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform } from '../../engine/platform/platform.js';
import { SchedulesRepo } from '../../engine/platform/store/schedules.js';
import { nextRun } from '../../engine/platform/sync/timing.js';
import { SHIPPED_CONNECTORS } from '../runtime/helpers.js';
import { databaseKinds, KEY_A, type TestDatabase } from '../store/databases.js';

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`schedule claims over ${kind.dialect}`, () => {
    let db: TestDatabase;
    let platform: Platform;

    beforeAll(async () => {
      db = await kind.create('sched');
      platform = await createPlatform({ database: db.url, connectors: SHIPPED_CONNECTORS, secretKeys: KEY_A });
    });
    afterAll(async () => {
      await platform?.close();
      await db?.cleanup();
    });

    it('switches off the rows it cannot run and claims the others', async () => {
      const ids: string[] = [];
      for (const name of ['good', 'huge', 'zone', 'cron6']) {
        const c = await platform.connections.create({ tenant: 'acme', connector: 'stripe', name, credentials: { api_key: 'sk_test_x' }, skipCheck: true });
        const s = await platform.schedules.set(c.id, 'customers', name === 'good' ? { every: '1h' } : { cron: '0 * * * *' });
        ids.push(s.id);
      }
      const u = platform.store.unscoped('test: plant rows the old validation let through');
      const now = Date.now();
      await u.from('schedules').whereIn('id', ids).update({ next_run_at: now - 1000 });
      await u.from('schedules').where('id', ids[1]).update({ cron: null, interval_ms: 999_999_999_999 * 3_600_000 });
      await u.from('schedules').where('id', ids[2]).update({ timezone: '../../etc/passwd' });
      await u.from('schedules').where('id', ids[3]).update({ cron: '* * * * * *' });

      const invalid: string[] = [];
      const repo = new SchedulesRepo(platform.store);
      const claimed = await repo.claimDue({ owner: 'test', now, limit: 10, leaseMs: 60_000, nextAfter: (s, t) => nextRun(s, t), onInvalid: (s) => invalid.push(s.id) });
      expect(claimed.map((s) => s.id)).toEqual([ids[0]]);
      expect(invalid.sort()).toEqual(ids.slice(1).sort());
      const rows = await u.from('schedules').whereIn('id', ids.slice(1)).select('enabled', 'last_error');
      for (const r of rows) {
        expect(Boolean(r.enabled)).toBe(false);
        expect(r.last_error).toMatch(/^switched off: schedule (every|timezone|cron):/);
      }
      expect(await repo.claimDue({ owner: 'test', now: now + 1, limit: 10, leaseMs: 60_000, nextAfter: (s, t) => nextRun(s, t) })).toEqual([]);
    });
  });
}

import { describe, expect, it } from 'vitest';
import { LEASE_EXPIRED_MESSAGE } from '../../engine/platform/store/runs.js';
import { databaseKinds, KEY_A } from '../store/databases.js';
import { makeItems } from './fake-api.js';
import { CONNECTORS } from './helpers.js';
import { childSuite, collect, exited, forkChild } from './processes.js';

const PAGES = 50;
const LEASE_MS = 1500;

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`crash and resume on ${kind.dialect}`, () => {
    const suite = childSuite(kind, 'crash', { items: makeItems(PAGES * 10) });

    it('a sync killed with SIGKILL at a random page resumes in a new process with the exact record set', async () => {
      const { db, api, platform } = suite;
      const conn = await platform.connections.create({ tenant: 'acme', connector: 'fakeapi', name: 'crash', config: { base_url: api.url }, credentials: { token: api.token } });
      const killAt = 5 + Math.floor(Math.random() * 40);
      const env = { PATCHBAY_SECRET_KEYS: KEY_A };
      const args = [db.url, CONNECTORS, conn.id, 'items', String(LEASE_MS)];

      const first = forkChild('sync-child.mjs', args, env);
      const firstOut = collect(first);
      api.beforePage = async (_path, page) => {
        if (page === killAt) {
          // Anywhere from "request in flight" to "in the middle of committing the page before".
          setTimeout(() => first.kill('SIGKILL'), Math.floor(Math.random() * 15));
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      const died = await exited(first);
      expect(died.signal, firstOut.err()).toBe('SIGKILL');
      api.beforePage = undefined;
      const committed = await platform.records.count(conn.id, 'items');
      expect(committed).toBeLessThan(PAGES * 10);
      const [dead] = (await platform.runs.list({ connection: conn.id })).items;
      expect(dead.status).toBe('running');

      const second = forkChild('sync-child.mjs', args, env);
      const secondOut = collect(second);
      const done = await exited(second);
      expect(done.code, secondOut.err()).toBe(0);
      const finished = JSON.parse(secondOut.out().trim().split('\n').pop()!).done;
      expect(finished.status).toBe('success');
      // It resumed from the checkpoint rather than starting over.
      expect(finished.records.read).toBeLessThan(PAGES * 10);
      expect(finished.records.read).toBeGreaterThanOrEqual(PAGES * 10 - committed);

      // Exactly the source: every record once, with its mapped content.
      const stored: Array<{ id: string; data: unknown }> = [];
      let after: string | null = null;
      do {
        const page = await platform.records.list(conn.id, 'items', { cursor: after, limit: 97, includeDeleted: true });
        stored.push(...page.items);
        after = page.nextCursor;
      } while (after);
      const expected = api.items.map((i) => ({ id: String(i.id), data: { id: String(i.id), title: i.name, updated_at: i.updated_at } }));
      expect(stored.map((r) => ({ id: r.id, data: r.data })).sort((a, b) => Number(a.id) - Number(b.id))).toEqual(expected);
      const feed = await platform.records.changes(conn.id, 'items', { limit: 10_000 });
      expect(feed.items.map((c) => c.id).sort((a, b) => Number(a) - Number(b))).toEqual(expected.map((e) => e.id));
      expect(feed.items.every((c) => c.action === 'added')).toBe(true);

      expect(await platform.runs.get(dead.id)).toMatchObject({ status: 'failed', errorKind: 'lease_expired', error: LEASE_EXPIRED_MESSAGE });
    }, 120_000);
  });
}

/**
 * The rate_slots repository (issue 14 item 2): several stores on one database (as several
 * processes are) taking slots of one budget at the same moment are granted no more than the
 * window allows, per tenant and key; a connector-wide budget is no tenant's; expired rows
 * are purged. The platform only uses it on PostgreSQL, but the SQL is the same on SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../engine/platform/store/index.js';
import { RateSlotsRepo, slotTiming } from '../../engine/platform/store/rate-slots.js';
import { sharedRateSlots } from '../../engine/platform/limits/shared-slots.js';
import { databaseKinds, type TestDatabase } from './databases.js';

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`rate slots on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let stores: Store[] = [];
    let clock = 1_700_000_000_000;

    beforeAll(async () => {
      db = await kind.create('rate_slots');
      stores = [await openStore(db.url, { now: () => clock })];
      stores.push(await openStore(db.url, { now: () => clock }), await openStore(db.url, { now: () => clock }));
    });
    afterAll(async () => {
      await Promise.all(stores.map((s) => s.close()));
      await db?.cleanup();
    });

    it('grants no more than the window holds when three stores ask at once', async () => {
      const repos = stores.map((s) => new RateSlotsRepo(s, () => clock));
      const window = { requests: 10, perMs: 60_000 };
      const takes = await Promise.all(Array.from({ length: 24 }, (_, i) => repos[i % 3].take({ key: 'connection:c1', tenant: 'acme' }, window, 1)));
      expect(takes.reduce((n, t) => n + t.granted, 0)).toBe(10);
      const { holdMs, marginMs, bucketMs } = slotTiming(window.perMs);
      for (const t of takes) {
        if (t.granted) expect(t.expiresAt).toBe(clock + holdMs);
        else expect(t.retryAt).toBe(Math.floor(clock / bucketMs) * bucketMs + bucketMs + window.perMs + holdMs + marginMs);
      }
      // A batch is cut to what is left, never refused whole.
      clock += 10_000;
      const other = { key: 'connection:c2', tenant: 'acme' };
      expect((await repos[0].take(other, window, 7)).granted).toBe(7);
      expect((await repos[1].take(other, window, 7)).granted).toBe(3);
    });

    it('keeps tenants, keys, window lengths and connector-wide budgets apart', async () => {
      const repo = new RateSlotsRepo(stores[0], () => clock);
      const window = { requests: 2, perMs: 60_000 };
      const grant = (b: { key: string; tenant?: string }, w = window) => repo.take(b, w, 5).then((t) => t.granted);
      expect(await grant({ key: 'connection:c9', tenant: 'acme' })).toBe(2);
      expect(await grant({ key: 'connection:c9', tenant: 'acme' })).toBe(0);
      expect(await grant({ key: 'connection:c9', tenant: 'globex' })).toBe(2);
      expect(await grant({ key: 'connection:c9', tenant: 'acme' }, { requests: 2, perMs: 1000 })).toBe(2);
      expect(await grant({ key: 'connector:demo' })).toBe(2);
      expect(await grant({ key: 'connector:demo' })).toBe(0);
      const rows = (await stores[0].knex('rate_slots').where({ key: 'connector:demo' }).select('tenant')) as Array<{ tenant: string }>;
      expect(rows).toEqual([{ tenant: '' }]);
    });

    it('a window frees as its grants age out, and rows whose grants all expired are purged', async () => {
      const repo = new RateSlotsRepo(stores[0], () => clock);
      const window = { requests: 1, perMs: 1000 };
      const budget = { key: 'connection:aging', tenant: 'acme' };
      const first = await repo.take(budget, window, 1);
      expect(first.granted).toBe(1);
      const spent = await repo.take(budget, window, 1);
      expect(spent.granted).toBe(0);
      clock = spent.retryAt! - 1;
      expect((await repo.take(budget, window, 1)).granted).toBe(0);
      clock = spent.retryAt!;
      expect((await repo.take(budget, window, 1)).granted).toBe(1);
      const before = Number((await stores[0].knex('rate_slots').count({ n: '*' }))[0].n);
      clock += 3_600_000;
      expect(await repo.purge()).toBe(before);
      expect(Number((await stores[0].knex('rate_slots').count({ n: '*' }))[0].n)).toBe(0);
    });

    it('the platform shares slots on PostgreSQL only, by real time whatever the store\'s clock says', async () => {
      const source = sharedRateSlots(stores[0]);
      if (kind.dialect === 'sqlite') {
        expect(source).toBeUndefined();
        return;
      }
      const before = Date.now();
      const g = await source!.take({ key: 'connection:clock', tenant: 'acme' }, { requests: 5, perMs: 1000 }, 2);
      expect(g.granted).toBe(2);
      // The store's clock is a test's, years behind: slots are counted and held by real time.
      expect(g.expiresAtMs).toBeGreaterThanOrEqual(before + slotTiming(1000).holdMs);
      expect(g.expiresAtMs).toBeLessThanOrEqual(Date.now() + slotTiming(1000).holdMs);
    });
  });
}

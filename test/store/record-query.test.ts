/**
 * Filters on stored records, the same answers on SQLite and PostgreSQL: equality by the
 * stored JSON type, numeric ranges over numbers and decimal (money) strings, text ranges
 * over ISO times, nested paths, `ne` including records without the field, `updated_since`,
 * paging through a filtered list, and refusals that name the bad filter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store, ConnectionsRepo, RecordsRepo, StateRepo, newId } from '../../engine/platform/store/index.js';
import { createVault, makeKeyRing, parseKeyList } from '../../engine/platform/secrets/index.js';
import type { RecordFilter } from '../../engine/platform/store/record-filters.js';
import { ConnectorError } from '../../engine/core/errors.js';
import { databaseKinds, KEY_A, type TestDatabase } from './databases.js';

const CONTACTS = [
  { id: 'c1', email: 'ada@example.com', balance: '9.50', score: 3, vip: true, created_at: '2026-01-05T10:00:00.000Z', address: { city: 'London' } },
  { id: 'c2', email: 'bob@example.com', balance: '10.00', score: 12, vip: false, created_at: '2026-02-01T00:00:00.000Z', address: { city: 'Paris' } },
  { id: 'c3', email: 'cy@example.com', balance: '120.25', score: 12.5, vip: false, created_at: '2026-03-10T08:30:00.000Z', address: { city: 'London' } },
  { id: 'c4', email: null, balance: 'n/a', score: '12', created_at: '2025-12-31T23:59:59.000Z' },
  { id: 'c5', email: 'dee@example.com', balance: '-3.00', score: -1, vip: true, created_at: '2026-01-31', address: { city: 'Berlin' } },
];

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`record queries on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let store: Store;
    let clock = 1_700_000_000_000;
    let conn: string;
    let records: RecordsRepo;
    const tenant = 't-query';

    beforeAll(async () => {
      db = await kind.create('recq');
      store = await openStore(db.url, { now: () => clock });
      const vault = createVault(makeKeyRing(parseKeyList(KEY_A)));
      conn = newId('conn');
      await new ConnectionsRepo(store, vault).insert(store.scope(tenant), { id: conn, connector: 'fake', name: 'q', config: {}, credentials: { token: 'x' }, status: 'active' });
      records = new RecordsRepo(new StateRepo(() => clock), () => clock);
      const scope = store.scope(tenant);
      const target = { connectionId: conn, stream: 'contacts', model: 'contact' };
      await scope.transaction((tx) => records.writePage(tx, target, CONTACTS.slice(0, 3).map((c) => ({ externalId: c.id, data: c }))));
      clock += 60_000;
      await scope.transaction((tx) => records.writePage(tx, target, CONTACTS.slice(3).map((c) => ({ externalId: c.id, data: c }))));
      await scope.transaction((tx) => records.markDeleted(tx, conn, 'contacts', ['c5']));
    });
    afterAll(async () => {
      await store?.close();
      await db?.cleanup();
    });

    const ids = async (filters: RecordFilter[], opts: { includeDeleted?: boolean; updatedSince?: number } = {}) =>
      (await records.list(store.scope(tenant), conn, 'contacts', { filters, ...opts })).items.map((r) => r.id);

    it('eq matches strings exactly, numbers numerically, and true, false and null by type', async () => {
      expect(await ids([{ field: 'email', op: 'eq', value: 'bob@example.com' }])).toEqual(['c2']);
      expect(await ids([{ field: 'email', op: 'eq', value: 'BOB@example.com' }])).toEqual([]);
      // 12 the number and "12" the string both read as 12; 12.5 does not.
      expect(await ids([{ field: 'score', op: 'eq', value: '12' }])).toEqual(['c2', 'c4']);
      expect(await ids([{ field: 'vip', op: 'eq', value: 'false' }])).toEqual(['c2', 'c3']);
      expect(await ids([{ field: 'email', op: 'eq', value: 'null' }])).toEqual(['c4']);
      // A boolean true is not the number 1.
      expect(await ids([{ field: 'vip', op: 'eq', value: '1' }])).toEqual([]);
    });

    it('ne keeps the records without the field', async () => {
      expect(await ids([{ field: 'address.city', op: 'ne', value: 'London' }])).toEqual(['c2', 'c4']);
    });

    it('numeric ranges read numbers and decimal strings alike, and skip text that is no number', async () => {
      // As text "9.50" > "10.00"; as numbers it is not.
      expect(await ids([{ field: 'balance', op: 'gte', value: '10' }])).toEqual(['c2', 'c3']);
      expect(await ids([{ field: 'balance', op: 'lt', value: '10' }])).toEqual(['c1']);
      expect(await ids([{ field: 'balance', op: 'lt', value: '0' }], { includeDeleted: true })).toEqual(['c5']);
      expect(await ids([{ field: 'score', op: 'gt', value: '12' }])).toEqual(['c3']);
      expect(await ids([{ field: 'score', op: 'gte', value: '3' }, { field: 'score', op: 'lte', value: '12' }])).toEqual(['c1', 'c2', 'c4']);
    });

    it('text ranges compare ISO times by their characters; nested paths reach into objects', async () => {
      expect(await ids([{ field: 'created_at', op: 'gte', value: '2026-01-01' }, { field: 'created_at', op: 'lt', value: '2026-03-01' }])).toEqual(['c1', 'c2']);
      expect(await ids([{ field: 'address.city', op: 'eq', value: 'London' }, { field: 'created_at', op: 'gt', value: '2026-02' }])).toEqual(['c3']);
    });

    it('deleted records only with include_deleted; updated_since reads Patchbay\'s write time', async () => {
      expect(await ids([{ field: 'vip', op: 'eq', value: 'true' }])).toEqual(['c1']);
      expect(await ids([{ field: 'vip', op: 'eq', value: 'true' }], { includeDeleted: true })).toEqual(['c1', 'c5']);
      expect(await ids([], { updatedSince: clock })).toEqual(['c4']);
      expect(await ids([], { updatedSince: clock, includeDeleted: true })).toEqual(['c4', 'c5']);
    });

    it('pages through a filtered list with the one cursor', async () => {
      const scope = store.scope(tenant);
      const filters: RecordFilter[] = [{ field: 'email', op: 'ne', value: 'null' }];
      const first = await records.list(scope, conn, 'contacts', { filters, limit: 2 });
      expect(first.items.map((r) => r.id)).toEqual(['c1', 'c2']);
      expect(first.hasMore).toBe(true);
      const second = await records.list(scope, conn, 'contacts', { filters, limit: 2, cursor: first.nextCursor! });
      expect(second.items.map((r) => r.id)).toEqual(['c3']);
      expect(second.hasMore).toBe(false);
    });

    it('a bad filter is a validation error naming it, and values are bound, not SQL', async () => {
      const bad = async (f: RecordFilter) => {
        try {
          await ids([f]);
        } catch (err) {
          return err as ConnectorError;
        }
        throw new Error('no error');
      };
      const e1 = await bad({ field: "email') or 1=1 --", op: 'eq', value: 'x' });
      expect(e1).toMatchObject({ kind: 'validation', code: 'invalid_filter' });
      expect(e1.message).toMatch(/is not a field path/);
      expect((await bad({ field: 'email', op: 'like' as never, value: 'x' })).message).toMatch(/unknown operator "like"; use one of eq, ne, gt, gte, lt, lte/);
      expect(await ids([{ field: 'email', op: 'eq', value: "' or '1'='1" }])).toEqual([]);
      const many = Array.from({ length: 11 }, () => ({ field: 'email', op: 'eq' as const, value: 'x' }));
      await expect(records.list(store.scope(tenant), conn, 'contacts', { filters: many })).rejects.toThrow(/at most 10 filters/);
    });
  });
}

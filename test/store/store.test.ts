import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store, ConnectionsRepo, RecordsRepo, StateRepo, LeasesRepo, SchedulesRepo, newId } from '../../engine/platform/store/index.js';
import { createVault, makeKeyRing, parseKeyList } from '../../engine/platform/secrets/index.js';
import { MIGRATIONS } from '../../engine/platform/store/migrations/index.js';
import { ConnectorError } from '../../engine/core/errors.js';
import { databaseKinds, KEY_A, type TestDatabase } from './databases.js';

const TABLES = [
  'connections', 'stream_state', 'records', 'sync_runs', 'schedules', 'leases',
  'oauth_states', 'oauth_apps', 'webhook_events', 'subscriptions', 'deliveries', 'api_keys',
];

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`store on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let store: Store;
    let clock = 1_700_000_000_000;
    const vault = createVault(makeKeyRing(parseKeyList(KEY_A)));

    beforeAll(async () => {
      db = await kind.create('store');
      store = await openStore(db.url, { now: () => clock });
    });
    afterAll(async () => {
      await store?.close();
      await db?.cleanup();
    });

    async function connection(tenant: string, name = newId('n')): Promise<string> {
      const repo = new ConnectionsRepo(store, vault);
      const id = newId('conn');
      await repo.insert(store.scope(tenant), { id, connector: 'fake', name, config: {}, credentials: { token: 'x' }, status: 'active' });
      return id;
    }

    it('creates every table on open and re-opening runs no migration twice', async () => {
      for (const t of TABLES) expect(await store.knex.schema.hasTable(t), t).toBe(true);
      const again = await openStore(db.url);
      const rows = await again.knex('patchbay_migrations').select('name');
      await again.close();
      expect(rows.map((r: { name: string }) => r.name)).toEqual(MIGRATIONS.map((m) => m.name));
      expect(MIGRATIONS.slice(0, 5).map((m) => m.name)).toEqual(['001_connections', '002_records', '003_oauth', '004_webhooks', '005_api_keys']);
    });

    it('opens a fresh database from several clients at once (one migrates, the others wait)', async () => {
      const fresh = await kind.create('fresh');
      try {
        const stores = await Promise.all([0, 1, 2].map(() => openStore(fresh.url)));
        const names = await stores[0].knex('patchbay_migrations').pluck('name');
        await Promise.all(stores.map((s) => s.close()));
        expect(names).toEqual(MIGRATIONS.map((m) => m.name));
      } finally {
        await fresh.cleanup();
      }
    });

    it('scopes every query to its tenant and refuses widening or-conditions', async () => {
      const a = await connection('tenant-a', 'shared-name');
      const b = await connection('tenant-b', 'shared-name');
      const repo = new ConnectionsRepo(store, vault);
      expect(await repo.get(store.scope('tenant-a'), b)).toBeUndefined();
      expect((await repo.get(store.scope('tenant-b'), b))?.tenant).toBe('tenant-b');
      const listA = await repo.list(store.scope('tenant-a'));
      expect(listA.items.map((c) => c.id)).toContain(a);
      expect(listA.items.map((c) => c.id)).not.toContain(b);
      // An update through the wrong tenant touches nothing.
      expect(await repo.update(store.scope('tenant-a'), b, { name: 'stolen' })).toBeUndefined();
      expect((await repo.get(store.scope('tenant-b'), b))?.name).toBe('shared-name');

      const q = () => store.scope('tenant-a').from('connections').where('id', a).orWhere('id', b);
      expect(q).toThrow(/escape the tenant filter/);
      // Disjunctions nested inside a where stay under the tenant filter.
      const nested = await store.scope('tenant-a').from('connections').where((w) => w.where('id', a).orWhere('id', b)).select('id');
      expect(nested.map((r: { id: string }) => r.id)).toEqual([a]);
      // A tenant given in an inserted row cannot override the scope's.
      await store.scope('tenant-a').insert('api_keys', { id: newId('key'), tenant: 'tenant-b', name: 'k', prefix: 'p', hash: newId('h'), created_at: 1 });
      const keys = await store.knex('api_keys').select('tenant');
      expect(keys.map((k: { tenant: string }) => k.tenant)).toEqual(['tenant-a']);
      expect(() => store.scope('')).toThrow(ConnectorError);
    });

    it('stores connections with sealed credentials and lists only their field names', async () => {
      const repo = new ConnectionsRepo(store, vault);
      const scope = store.scope('t-conn');
      const id = newId('conn');
      const info = await repo.insert(scope, {
        id, connector: 'fake', name: 'main', config: { region: 'eu' }, credentials: { api_key: 'canary-key-123', empty: null }, status: 'active',
      });
      expect(info).toMatchObject({ id, tenant: 't-conn', connector: 'fake', config: { region: 'eu' }, credentialFields: ['api_key'], status: 'active' });
      expect(JSON.stringify(info)).not.toContain('canary-key-123');
      const raw = await store.knex('connections').where('id', id).first();
      expect(raw.credentials).toMatch(/^pbv1\.ka\./);
      expect(await repo.getCredentials(scope, id)).toEqual({ api_key: 'canary-key-123', empty: null });

      await expect(repo.insert(scope, { id: newId('conn'), connector: 'fake', name: 'main', config: {}, credentials: {}, status: 'active' }))
        .rejects.toMatchObject({ kind: 'conflict' });

      clock += 1000;
      const updated = await repo.update(scope, id, { status: 'error', error: 'boom' });
      expect(updated).toMatchObject({ status: 'error', lastError: 'boom', lastErrorAt: new Date(clock).toISOString() });
      const wiped = await repo.update(scope, id, { credentials: null, status: 'disconnected' });
      expect(wiped).toMatchObject({ status: 'disconnected', credentialFields: [], disconnectedAt: new Date(clock).toISOString() });
      expect(await repo.getCredentials(scope, id)).toEqual({});
      expect(await repo.tenantOf(id)).toBe('t-conn');
    });

    it('moving a sealed value to another row makes it unreadable', async () => {
      const repo = new ConnectionsRepo(store, vault);
      const scope = store.scope('t-move');
      const a = await connection('t-move');
      const b = await connection('t-move');
      const sealedA = (await store.knex('connections').where('id', a).first()).credentials;
      await store.knex('connections').where('id', b).update({ credentials: sealedA });
      await expect(repo.getCredentials(scope, b)).rejects.toThrow(/failed authentication/);
    });

    it('writes pages by content hash and feeds changes in commit order', async () => {
      const tenant = 't-rec';
      const conn = await connection(tenant);
      const scope = store.scope(tenant);
      const state = new StateRepo(() => clock);
      const records = new RecordsRepo(state, () => clock);
      // No ensure() first: a writer other than a sync may be the first to touch a stream.
      const target = { connectionId: conn, stream: 'items', model: 'thing' };

      const first = await scope.transaction((tx) => records.writePage(tx, target, [
        { externalId: '1', data: { id: 1, name: 'a' } },
        { externalId: '2', data: { id: 2, name: 'b' } },
        { externalId: '2', data: { id: 2, name: 'b2' } },
      ]));
      expect(first).toEqual({ written: 2, unchanged: 0 });
      expect((await records.get(scope, conn, 'items', '2'))?.data).toEqual({ id: 2, name: 'b2' });

      const feed1 = await records.changes(scope, conn, 'items', {});
      expect(feed1.items.map((c) => [c.id, c.action])).toEqual([['1', 'added'], ['2', 'added']]);

      // Same content with keys in another order is unchanged; a changed one is rewritten.
      const second = await scope.transaction((tx) => records.writePage(tx, target, [
        { externalId: '1', data: { name: 'a', id: 1 } },
        { externalId: '2', data: { id: 2, name: 'B' } },
        { externalId: '3', data: { id: 3 } },
      ]));
      expect(second).toEqual({ written: 2, unchanged: 1 });
      const feed2 = await records.changes(scope, conn, 'items', { cursor: feed1.nextCursor });
      expect(feed2.items.map((c) => [c.id, c.action])).toEqual([['2', 'updated'], ['3', 'added']]);

      const deleted = await scope.transaction((tx) => records.markUnseenDeleted(tx, conn, 'items', new Set(['1', '3'])));
      expect(deleted).toBe(1);
      const feed3 = await records.changes(scope, conn, 'items', { cursor: feed2.nextCursor });
      expect(feed3.items.map((c) => [c.id, c.action])).toEqual([['2', 'deleted']]);
      expect(await records.count(scope, conn, 'items')).toBe(2);
      expect(await records.count(scope, conn, 'items', { includeDeleted: true })).toBe(3);

      // A deleted record that comes back is written again even with the same content.
      const back = await scope.transaction((tx) => records.writePage(tx, target, [{ externalId: '2', data: { id: 2, name: 'B' } }]));
      expect(back).toEqual({ written: 1, unchanged: 0 });

      // Paging with a small limit walks every change exactly once.
      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await records.changes(scope, conn, 'items', { cursor, limit: 1 });
        seen.push(...page.items.map((c) => c.id));
        cursor = page.nextCursor;
        if (!page.hasMore) break;
      }
      expect(seen).toEqual(['1', '3', '2']);
      expect((await records.changes(store.scope('other'), conn, 'items', {})).items).toEqual([]);
      const listed = await records.list(scope, conn, 'items', { limit: 2 });
      expect(listed.items.map((r) => r.id)).toEqual(['1', '2']);
      expect((await records.list(scope, conn, 'items', { cursor: listed.nextCursor })).items.map((r) => r.id)).toEqual(['3']);
    });

    it('gives a lease to one holder at a time and fences the loser', async () => {
      const leases = new LeasesRepo(() => clock);
      const scope = store.scope('t-lease');
      expect(await leases.acquire(scope, 'k', { owner: 'p1', runId: 'r1' }, 1000)).toBe(true);
      expect(await leases.acquire(scope, 'k', { owner: 'p2', runId: 'r2' }, 1000)).toBe(false);
      expect(await leases.renew(scope, 'k', 'r1', 1000)).toBe(true);
      clock += 1001;
      expect(await leases.acquire(scope, 'k', { owner: 'p2', runId: 'r2' }, 1000)).toBe(true);
      expect(await leases.renew(scope, 'k', 'r1', 1000)).toBe(false);
      await leases.release(scope, 'k', 'r2');
      expect(await leases.acquire(scope, 'k', { owner: 'p3', runId: 'r3' }, 1000)).toBe(true);
    });

    it('lets concurrent claimers take each due schedule occurrence exactly once', async () => {
      const tenant = 't-sched';
      const scope = store.scope(tenant);
      const repo = new SchedulesRepo(store);
      const conns = await Promise.all(Array.from({ length: 5 }, () => connection(tenant)));
      for (const c of conns) await repo.upsert(scope, { id: newId('sch'), connectionId: c, stream: 's', spec: { intervalMs: 60_000 }, nextRunAt: clock - 1 });
      const other = await openStore(db.url, { now: () => clock });
      try {
        const otherRepo = new SchedulesRepo(other);
        const req = (owner: string) => ({ owner, now: clock, limit: 10, leaseMs: 120_000, nextAfter: () => clock + 60_000 });
        const [x, y] = await Promise.all([repo.claimDue(req('x')), otherRepo.claimDue(req('y'))]);
        const ids = [...x, ...y].map((s) => s.connectionId).sort();
        expect(ids).toEqual([...conns].sort());
        // Nothing is due again until the next occurrence, and a held lease blocks an early one.
        expect(await repo.claimDue(req('z'))).toEqual([]);
        clock += 60_001;
        expect(await repo.claimDue(req('z'))).toEqual([]);
        for (const s of [...x, ...y]) await repo.release(s.id, s.leaseOwner!, { id: 'run', at: clock });
        expect((await repo.claimDue(req('z'))).length).toBe(5);
      } finally {
        await other.close();
      }
    });
  });
}

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Platform } from '../../engine/platform/platform.js';
import { LEASE_EXPIRED_MESSAGE } from '../../engine/platform/store/runs.js';
import { databaseKinds, type TestDatabase } from '../store/databases.js';
import { holdAtPage, makeItems, startFakeApi, type FakeApi } from './fake-api.js';
import { openPlatform } from './helpers.js';

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`syncs on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let platform: Platform;
    let api: FakeApi;
    let clock: number;

    beforeAll(async () => {
      db = await kind.create('sync');
      clock = Date.now();
      platform = await openPlatform(db.url, { now: () => clock, leaseMs: 5_000 });
    });
    afterAll(async () => {
      await platform?.close();
      await db?.cleanup();
    });
    beforeEach(async () => {
      api = await startFakeApi({ items: makeItems(45), users: [{ id: 'u1', name: 'Ann' }, { id: 'u2', name: 'Bo' }, { id: 'u3', name: 'Cy' }] });
    });
    afterEach(async () => api.close());

    const connect = (tenant = 'acme', name = `c-${Math.random()}`) =>
      platform.connections.create({ tenant, connector: 'fakeapi', name, config: { base_url: api.url }, credentials: { token: api.token } });

    it('syncs incrementally from the stored cursor, rewriting only what changed', async () => {
      const conn = await connect();
      const first = await platform.sync(conn.id, 'items');
      expect(first).toMatchObject({ status: 'success', trigger: 'manual', connectionId: conn.id, stream: 'items' });
      expect(first.records).toEqual({ read: 45, written: 45, unchanged: 0, failed: 0, deleted: 0, pages: 5 });
      expect(await platform.records.count(conn.id, 'items')).toBe(45);
      const rec = await platform.records.get(conn.id, 'items', '7');
      expect(rec).toMatchObject({ id: '7', model: 'ticket', data: { id: '7', title: 'item 7', updated_at: api.items[6].updated_at } });

      // The next run starts at the stored cursor: only the boundary record comes back, unchanged.
      clock += 1000;
      const second = await platform.sync(conn.id, 'items');
      expect(second.records).toMatchObject({ read: 1, written: 0, unchanged: 1, pages: 1 });
      const feed = await platform.records.changes(conn.id, 'items', { limit: 100 });
      expect(feed.items).toHaveLength(45);
      expect(feed.items.every((c) => c.action === 'added')).toBe(true);

      api.items[2] = { ...api.items[2], name: 'renamed', updated_at: '2030-01-01T00:00:00.000Z' };
      api.items.push({ id: 46, name: 'new', updated_at: '2030-01-02T00:00:00.000Z' });
      clock += 1000;
      const third = await platform.sync(conn.id, 'items', { trigger: 'webhook' });
      expect(third).toMatchObject({ status: 'success', trigger: 'webhook' });
      expect(third.records).toMatchObject({ read: 3, written: 2, unchanged: 1 });
      const delta = await platform.records.changes(conn.id, 'items', { cursor: feed.nextCursor });
      expect(delta.items.map((c) => [c.id, c.action])).toEqual([['3', 'updated'], ['46', 'added']]);
      expect(delta.hasMore).toBe(false);
      expect((await platform.records.changes(conn.id, 'items', { cursor: delta.nextCursor })).items).toEqual([]);

      const runs = await platform.runs.list({ connection: conn.id });
      expect(runs.items.map((r) => r.id)).toEqual([third.id, second.id, first.id]);
      expect(await platform.runs.get(first.id)).toMatchObject({ status: 'success', records: { written: 45 } });
      expect(first.endedAt).toBeDefined();
    });

    it('soft-deletes records a complete full-refresh run did not see', async () => {
      const conn = await connect();
      expect((await platform.sync(conn.id, 'users')).records).toMatchObject({ read: 3, written: 3, deleted: 0 });
      const before = await platform.records.changes(conn.id, 'users');
      api.users.splice(1, 1);
      const run = await platform.sync(conn.id, 'users');
      expect(run.records).toMatchObject({ read: 2, written: 0, unchanged: 2, deleted: 1 });
      expect(await platform.records.count(conn.id, 'users')).toBe(2);
      expect((await platform.records.get(conn.id, 'users', 'u2'))?.deletedAt).toBeDefined();
      const after = await platform.records.changes(conn.id, 'users', { cursor: before.nextCursor });
      expect(after.items.map((c) => [c.id, c.action])).toEqual([['u2', 'deleted']]);

      // A run that fails midway proves nothing about absence: nothing more is deleted.
      api.users.splice(0, 1);
      api.beforePage = () => 404;
      expect((await platform.sync(conn.id, 'users')).status).toBe('failed');
      expect(await platform.records.count(conn.id, 'users')).toBe(2);
    });

    it('commits page by page: a failure keeps the pages before it and the next run resumes there', async () => {
      const conn = await connect();
      api.beforePage = (p, page) => (p === '/items' && page === 3 ? 404 : undefined);
      const broken = await platform.sync(conn.id, 'items');
      expect(broken).toMatchObject({ status: 'partial', errorKind: 'not_found' });
      expect(broken.error).toMatch(/injected 404/);
      expect(broken.records).toMatchObject({ read: 30, written: 30, pages: 3 });
      expect(await platform.records.count(conn.id, 'items')).toBe(30);
      expect((await platform.connections.get(conn.id))?.status).toBe('active');

      api.beforePage = undefined;
      const resumed = await platform.sync(conn.id, 'items');
      expect(resumed.status).toBe('success');
      // It starts at the last committed cursor (item 30, inclusive), not from the beginning.
      expect(resumed.records).toMatchObject({ read: 16, written: 15, unchanged: 1 });
      expect(await platform.records.count(conn.id, 'items')).toBe(45);
    });

    it('marks the connection in error on an auth failure and active again after a good run', async () => {
      const conn = await connect();
      api.token = 'rotated-by-provider';
      const run = await platform.sync(conn.id, 'items');
      expect(run).toMatchObject({ status: 'failed', errorKind: 'auth' });
      const broken = await platform.connections.get(conn.id);
      expect(broken).toMatchObject({ status: 'error' });
      expect(broken?.lastError).toMatch(/bad token/);
      expect(broken?.lastErrorAt).toBeDefined();
      api.token = 'good-token-123';
      expect((await platform.sync(conn.id, 'items')).status).toBe('success');
      expect((await platform.connections.get(conn.id))?.status).toBe('active');
    });

    it('never runs one stream twice at once', async () => {
      const conn = await connect();
      const { reached, release } = holdAtPage(api, 1);
      const first = platform.sync(conn.id, 'items');
      await reached;
      await expect(platform.sync(conn.id, 'items')).rejects.toMatchObject({ kind: 'conflict', message: expect.stringMatching(/already running \(run run_/) });
      // Another stream of the same connection is independent.
      expect((await platform.sync(conn.id, 'users')).status).toBe('success');
      release();
      expect((await first).status).toBe('success');
    });

    it('closes a run left running by a dead process once its lease expires', async () => {
      const conn = await connect();
      const { reached, release } = holdAtPage(api, 2);
      // A run that "dies": it holds page 2 while the clock passes its lease.
      const zombie = platform.sync(conn.id, 'items');
      await reached;
      const [stale] = (await platform.runs.list({ connection: conn.id })).items;
      expect(stale.status).toBe('running');
      await expect(platform.sync(conn.id, 'items')).rejects.toMatchObject({ kind: 'conflict' });
      clock += 60_000;
      api.beforePage = undefined;
      const next = await platform.sync(conn.id, 'items');
      expect(next.status).toBe('success');
      expect(await platform.runs.get(stale.id)).toMatchObject({ status: 'failed', errorKind: 'lease_expired', error: LEASE_EXPIRED_MESSAGE });
      // The zombie wakes up, finds its lease taken, and commits nothing more.
      release();
      const z = await zombie;
      expect(z).toMatchObject({ status: 'partial' });
      expect(z.error).toMatch(/lost its lease/);
      expect(await platform.records.count(conn.id, 'items')).toBe(45);
    });

    it('refuses unknown streams and disconnected connections without creating a run', async () => {
      const conn = await connect();
      await expect(platform.sync(conn.id, 'nope')).rejects.toMatchObject({ kind: 'not_found' });
      await platform.connections.disconnect(conn.id);
      await expect(platform.sync(conn.id, 'items')).rejects.toMatchObject({ kind: 'config', message: expect.stringMatching(/disconnected/) });
      await expect(platform.sync('conn_missing', 'items')).rejects.toMatchObject({ kind: 'not_found' });
      expect((await platform.runs.list({ connection: conn.id })).items).toEqual([]);
    });

    it('runs due schedules once per occurrence with the schedule trigger', async () => {
      const conn = await connect('sched-tenant');
      const s = await platform.schedules.set(conn.id, 'users', { every: '1h', jitter: '1s' });
      expect(s).toMatchObject({ intervalMs: 3_600_000, jitterMs: 1000, enabled: true });
      await expect(platform.schedules.set(conn.id, 'users', { cron: 'not a cron' })).rejects.toMatchObject({ kind: 'validation' });
      await expect(platform.schedules.set(conn.id, 'nope', { every: '1h' })).rejects.toMatchObject({ kind: 'not_found' });
      clock += 1001;
      const ran = await platform.scheduler.tick();
      expect(ran.map((r) => [r.connectionId, r.stream, r.trigger, r.status])).toEqual([[conn.id, 'users', 'schedule', 'success']]);
      expect(await platform.scheduler.tick()).toEqual([]);
      const after = await platform.schedules.get(conn.id, 'users');
      expect(after?.lastRunId).toBe(ran[0].id);
      expect(Date.parse(after!.nextRunAt)).toBeGreaterThanOrEqual(clock + 3_600_000);
      clock += 3_602_000;
      expect((await platform.scheduler.tick()).length).toBe(1);
      expect(await platform.schedules.remove(conn.id, 'users')).toBe(true);
      clock += 3_602_000;
      expect(await platform.scheduler.tick()).toEqual([]);
    });
  });
}

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Platform } from '../../engine/platform/platform.js';
import { databaseKinds, type TestDatabase } from '../store/databases.js';
import { startFakeApi, type FakeApi } from './fake-api.js';
import { openPlatform } from './helpers.js';

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`connections on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let platform: Platform;
    let api: FakeApi;

    beforeAll(async () => {
      db = await kind.create('conns');
      platform = await openPlatform(db.url);
    });
    afterAll(async () => {
      await platform?.close();
      await db?.cleanup();
    });
    beforeEach(async () => {
      api = await startFakeApi({ users: [{ id: 'u1', name: 'Ann' }] });
    });
    afterEach(async () => api.close());

    const input = (over: Record<string, unknown> = {}) => ({
      tenant: 'acme', connector: 'fakeapi', name: `c-${Math.random()}`, config: { base_url: api.url }, credentials: { token: api.token }, ...over,
    });
    const stored = async () => Number(((await platform.store.knex('connections').count({ n: '*' })) as Array<{ n: number }>)[0].n);

    it('validates and checks before storing; a failure stores nothing', async () => {
      const before = await stored();
      await expect(platform.connections.create(input({ credentials: {} }))).rejects.toMatchObject({
        kind: 'config', details: [{ path: 'credentials.token', message: 'is required' }],
      });
      await expect(platform.connections.create(input({ config: {} }))).rejects.toMatchObject({ kind: 'config' });
      expect(api.hits['/me'] ?? 0).toBe(0);
      const bad = platform.connections.create(input({ credentials: { token: 'wrong-secret-value' } }));
      await expect(bad).rejects.toMatchObject({ kind: 'auth', status: 401 });
      await bad.catch((err: Error) => expect(JSON.stringify(err)).not.toContain('wrong-secret-value'));
      await expect(platform.connections.create(input({ connector: 'nope' }))).rejects.toMatchObject({ kind: 'not_found' });
      expect(await stored()).toBe(before);

      const ok = await platform.connections.create(input({ name: 'main' }));
      expect(api.hits['/me']).toBe(2);
      expect(ok).toMatchObject({ tenant: 'acme', connector: 'fakeapi', name: 'main', status: 'active', credentialFields: ['token'] });
      await expect(platform.connections.create(input({ name: 'main' }))).rejects.toMatchObject({ kind: 'conflict' });
      const skipped = await platform.connections.create(input({ skipCheck: true, credentials: { token: 'unchecked' } }));
      expect(api.hits['/me']).toBe(2);
      expect(skipped.status).toBe('active');
    });

    it('never returns credentials and keeps tenants apart', async () => {
      const a = await platform.connections.create(input({ tenant: 'tenant-a' }));
      const b = await platform.connections.create(input({ tenant: 'tenant-b' }));
      const listA = await platform.connections.list({ tenant: 'tenant-a' });
      expect(listA.items.map((c) => c.id)).toEqual([a.id]);
      expect(JSON.stringify(listA)).not.toContain(api.token);
      expect(JSON.stringify(await platform.connections.get(a.id))).not.toContain(api.token);
      expect(await platform.connections.get({ tenant: 'tenant-a', id: b.id })).toBeUndefined();
      const all = await platform.connections.list();
      expect(all.items.map((c) => c.id)).toEqual(expect.arrayContaining([a.id, b.id]));
      expect(JSON.stringify(all)).not.toContain(api.token);
      await expect(platform.connections.update({ tenant: 'tenant-a', id: b.id }, { name: 'x' })).rejects.toMatchObject({ kind: 'not_found' });
    });

    it('re-validates and re-checks updates, changing nothing when they fail', async () => {
      const c = await platform.connections.create(input());
      await expect(platform.connections.update(c.id, { credentials: { token: 'not-the-token' } })).rejects.toMatchObject({ kind: 'auth' });
      await expect(platform.connections.update(c.id, { credentials: {} })).rejects.toMatchObject({ kind: 'config' });
      expect((await platform.connections.resolve(c.id)).connection.credentials).toEqual({ token: api.token });

      api.token = 'second-token-456';
      const renamed = await platform.connections.update(c.id, { name: 'renamed', credentials: { token: 'second-token-456' } });
      expect(renamed).toMatchObject({ name: 'renamed', credentialFields: ['token'] });
      expect((await platform.sync(c.id, 'users')).status).toBe('success');
    });

    it('disconnects by wiping credentials and keeping the row and its history', async () => {
      const c = await platform.connections.create(input());
      const run = await platform.sync(c.id, 'users');
      const gone = await platform.connections.disconnect(c.id);
      expect(gone).toMatchObject({ id: c.id, status: 'disconnected', credentialFields: [] });
      expect(gone.disconnectedAt).toBeDefined();
      const row = await platform.store.knex('connections').where('id', c.id).first();
      expect(row.credentials).toBeNull();
      expect((await platform.connections.resolve(c.id)).connection.credentials).toEqual({});
      expect(await platform.runs.get(run.id)).toMatchObject({ status: 'success' });
      expect(await platform.records.count(c.id, 'users')).toBe(1);
    });

    it('persists OAuth tokens the engine refreshes and rotates', async () => {
      const c = await platform.connections.create({
        tenant: 'acme', connector: 'fakeoauth', name: 'oauth', config: { base_url: api.url },
        credentials: { client_id: 'cid', client_secret: 'csecret', refresh_token: 'refresh-1', access_token: 'expired', expires_at: 1000 },
      });
      // The check already refreshed once (the token had expired) and the rotation was saved.
      let creds = (await platform.connections.resolve(c.id)).connection.credentials!;
      expect(creds).toMatchObject({ access_token: 'access-1', refresh_token: 'refresh-2', client_id: 'cid', client_secret: 'csecret' });
      // A later refresh (forced by expiring the token) is persisted too.
      await platform.connections.update(c.id, { credentials: { expires_at: 1000 }, mergeCredentials: true, skipCheck: true });
      expect((await platform.sync(c.id, 'users')).status).toBe('success');
      creds = (await platform.connections.resolve(c.id)).connection.credentials!;
      expect(creds).toMatchObject({ access_token: 'access-2', refresh_token: 'refresh-3' });
      const row = await platform.store.knex('connections').where('id', c.id).first();
      expect(JSON.stringify(row)).not.toContain('refresh-3');
    });
  });
}

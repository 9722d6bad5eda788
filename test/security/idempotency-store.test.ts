/**
 * The idempotency key table on each database (SQLite and, with PATCHBAY_TEST_PG_URL,
 * PostgreSQL): racing claims of one key give exactly one winner, and a dead process's
 * claim is taken over once its lock has lapsed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform } from '../../engine/platform/platform.js';
import { IdempotencyRepo } from '../../engine/platform/store/idempotency.js';
import { SHIPPED_CONNECTORS } from '../runtime/helpers.js';
import { databaseKinds, KEY_A, type TestDatabase } from '../store/databases.js';

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`idempotency keys over ${kind.dialect}`, () => {
    let db: TestDatabase;
    let platform: Platform;
    let connId: string;
    let clock = 1_900_000_000_000;

    beforeAll(async () => {
      db = await kind.create('idem');
      platform = await createPlatform({ database: db.url, connectors: SHIPPED_CONNECTORS, secretKeys: KEY_A, now: () => clock });
      const conn = await platform.connections.create({ tenant: 'acme', connector: 'stripe', name: 'main', credentials: { api_key: 'sk_test_x' }, skipCheck: true });
      connId = conn.id;
    });
    afterAll(async () => {
      await platform?.close();
      await db?.cleanup();
    });

    it('one winner among concurrent claims; replay, reuse and release', async () => {
      const repo = new IdempotencyRepo(platform.store, { lockMs: 1000 });
      const claims = await Promise.all(Array.from({ length: 8 }, () => repo.claim('acme', connId, 'k1', 'h1')));
      expect(claims.filter((c) => c.kind === 'new')).toHaveLength(1);
      expect(claims.filter((c) => c.kind === 'in_flight')).toHaveLength(7);
      expect(await repo.claim('acme', connId, 'k1', 'h2')).toEqual({ kind: 'reused' });
      await repo.complete('acme', connId, 'k1', { status: 200, body: { output: { id: 'cus_1' } } });
      expect(await repo.claim('acme', connId, 'k1', 'h1')).toEqual({ kind: 'replay', reply: { status: 200, body: { output: { id: 'cus_1' } } } });
      // Another tenant's same key is its own.
      expect(await repo.claim('globex', connId, 'k1', 'h1')).toEqual({ kind: 'new' });

      expect(await repo.claim('acme', connId, 'k2', 'h1')).toEqual({ kind: 'new' });
      await repo.release('acme', connId, 'k2');
      expect(await repo.claim('acme', connId, 'k2', 'h1')).toEqual({ kind: 'new' });
    });

    it("a dead process's in-flight claim is taken over after its lock lapses, by one claimer", async () => {
      const repo = new IdempotencyRepo(platform.store, { lockMs: 1000 });
      expect(await repo.claim('acme', connId, 'k3', 'h')).toEqual({ kind: 'new' });
      expect(await repo.claim('acme', connId, 'k3', 'h')).toEqual({ kind: 'in_flight' });
      clock += 1001;
      const claims = await Promise.all(Array.from({ length: 4 }, () => repo.claim('acme', connId, 'k3', 'h')));
      expect(claims.filter((c) => c.kind === 'new')).toHaveLength(1);
    });

    it('expired keys are deleted by the next claim of the tenant', async () => {
      const repo = new IdempotencyRepo(platform.store, { ttlMs: 5000 });
      await repo.claim('acme', connId, 'k4', 'h');
      await repo.complete('acme', connId, 'k4', { status: 200, body: {} });
      clock += 5001;
      await repo.claim('acme', connId, 'other', 'h');
      const left = await platform.store.unscoped('test: count keys').from('idempotency_keys').where({ key: 'k4' });
      expect(left).toEqual([]);
    });
  });
}

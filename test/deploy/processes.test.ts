/**
 * Several `patchbay serve` processes on one database (issue 14's acceptance test): three on
 * PostgreSQL, one on SQLite, the built CLI as operators run it, against a provider whose
 * access tokens live three seconds, whose refresh tokens rotate on every use, and whose limit
 * answers 429 past 8 calls a second. Under load through every process at once:
 * - one refresh per expiry: no refresh token is ever spent twice (a second spend is
 *   `invalid_grant` at the provider), and the connection's token works at the end;
 * - the provider's limit is never exceeded (no 429), and the load still gets through;
 * - a revoked API key stops working in every process within a second;
 * - a scheduled sync never runs twice at once.
 */
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform } from '../../engine/platform/platform.js';
import { ApiKeysRepo } from '../../engine/platform/store/api-keys.js';
import { ApiKeys } from '../../engine/runtime/auth/keys.js';
import { ensureBuilt, tempDir } from '../cli/helpers.js';
import { spawnServe, type ServeProcess } from '../security/serve-process.js';
import { databaseKinds, KEY_A, type TestDatabase } from '../store/databases.js';
import { startRotatingProvider, type RotatingProvider } from '../oauth/rotating-provider.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TTL_MS = 3000;
const LIMIT = 8;
const LOAD_MS = 8000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const kind of databaseKinds()) {
  const count = kind.dialect === 'postgres' ? 3 : 1;
  describe.skipIf(!kind.available)(`${count} serve process(es) on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let dir: string;
    let rotor: RotatingProvider;
    let platform: Platform;
    let keys: ApiKeys;
    let serves: ServeProcess[] = [];
    let urls: string[] = [];
    let tenantKey: string;
    let connectionId: string;

    beforeAll(async () => {
      await ensureBuilt();
      db = await kind.create('deploy');
      rotor = await startRotatingProvider({ expiresIn: TTL_MS / 1000, limit: LIMIT });
      dir = tempDir('patchbay-deploy-');
      mkdirSync(path.join(dir, 'connectors'));
      cpSync(path.join(here, 'fixtures', 'rotor'), path.join(dir, 'connectors', 'rotor'), { recursive: true });
      platform = await createPlatform({ database: db.url, connectors: path.join(dir, 'connectors'), secretKeys: KEY_A });
      keys = new ApiKeys(new ApiKeysRepo(platform.store));
      tenantKey = (await keys.create({ tenant: 'acme', name: 'load' })).key;
      const conn = await platform.connections.create({
        tenant: 'acme', connector: 'rotor', name: 'main',
        config: { base_url: rotor.url },
        // An expired pair: the first call refreshes.
        credentials: rotor.seed(Date.now() - 1000),
        skipCheck: true,
      });
      connectionId = conn.id;
      const env = { PATCHBAY_SECRET_KEYS: KEY_A, PATCHBAY_ALLOW_PRIVATE_NETWORKS: 'true', PATCHBAY_ALLOW_HTTP_HOSTS: '127.0.0.1' };
      // Every process runs the workers too (scheduler, refresher): they compete for the same work.
      serves = Array.from({ length: count }, () => spawnServe(['--db', db.url], { cwd: dir, env }));
      urls = await Promise.all(serves.map((s) => s.started));
    }, 180_000);

    afterAll(async () => {
      await Promise.all(serves.map((s) => s.stop()));
      await platform?.close();
      await rotor?.close();
      await db?.cleanup();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const call = (url: string, key: string, id: string) =>
      fetch(`${url}/v1/connections/${connectionId}/actions/get_item`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id }),
      });

    it('under load through every process: one refresh per expiry, no token lost, the limit never exceeded', async () => {
      const until = Date.now() + LOAD_MS;
      const statuses: Record<number, number> = {};
      const worker = async (url: string, w: number) => {
        for (let i = 0; Date.now() < until; i++) {
          const res = await call(url, tenantKey, `${w}x${i}`);
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          await res.arrayBuffer();
        }
      };
      const started = Date.now();
      await Promise.all(urls.flatMap((u, p) => [0, 1, 2, 3].map((w) => worker(u, p * 10 + w))));
      const elapsed = Date.now() - started;

      expect(rotor.rejected, 'a spent refresh token was used again (two processes refreshed one expiry)').toEqual([]);
      expect(rotor.overLimit, 'the provider answered 429: the budget was exceeded across processes').toBe(0);
      // Every refresh spent the token the one before it issued (none rejected, above). Tokens live
      // TTL_MS and are refreshed a skew (1 s) early: one on use per 2 s, plus the first, plus at
      // most one background pass per process (its window is longer than these tokens live).
      expect(rotor.refreshedAt.length).toBeGreaterThanOrEqual(2);
      expect(rotor.refreshedAt.length).toBeLessThanOrEqual(Math.ceil(elapsed / (TTL_MS - 1000)) + 1 + count);
      // Every call either answered or was told to wait; none failed for a token.
      expect(Object.keys(statuses).filter((s) => s !== '200' && s !== '429')).toEqual([]);
      // The load got through at close to the provider's budget.
      expect(rotor.answered.length).toBeGreaterThanOrEqual(Math.floor((elapsed / 1000) * LIMIT * 0.6));
      // The connection still works with what is stored.
      const after = await call(urls[0], tenantKey, 'final');
      expect(after.status, await after.text()).toBe(200);
    }, 60_000);

    it('a revoked key stops working in every process within a second', async () => {
      const created = await keys.create({ tenant: 'acme', name: 'short-lived' });
      for (const u of urls) expect((await fetch(`${u}/v1/connections`, { headers: { authorization: `Bearer ${created.key}` } })).status).toBe(200);
      // Revoked through one process, as an operator would; every process must refuse it.
      const admin = (await keys.create({ admin: true, name: 'ops' })).key;
      const revoked = await fetch(`${urls[0]}/v1/keys/${created.info.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
      expect(revoked.status, await revoked.text()).toBeLessThan(300);
      await sleep(1000);
      for (const u of urls) expect((await fetch(`${u}/v1/connections`, { headers: { authorization: `Bearer ${created.key}` } })).status, u).toBe(401);
    }, 30_000);

    it('a scheduled sync never runs twice at once', async () => {
      await platform.schedules.set(connectionId, 'items', { every: '1s' });
      await sleep(4500);
      await platform.schedules.remove(connectionId, 'items');
      const runs = (await platform.runs.list({ connection: connectionId, stream: 'items', limit: 100 })).items;
      expect(runs.length).toBeGreaterThanOrEqual(2);
      const spans = runs.map((r) => [Date.parse(r.startedAt), r.endedAt ? Date.parse(r.endedAt) : Infinity]).sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
    }, 30_000);
  });
}

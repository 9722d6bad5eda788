/**
 * One token refresh per expiry across processes: child processes (the built dist/) share one
 * database and one OAuth connection whose access tokens expire every few seconds and whose
 * refresh tokens rotate, and call it as fast as they can. A refresh token presented twice
 * would be refused by the provider and leave the connection dead. PostgreSQL runs three
 * processes; SQLite, the single-process store, runs one: forked platforms calling the engine,
 * and `serve` processes (workers and background refresher on) called over HTTP. A process killed after the provider
 * answered but before it stored the answer leaves a connection that either still works (a
 * provider with a grace window) or says it needs a new consent, never one silently broken.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform } from '../../engine/platform/platform.js';
import { ensureBuilt } from '../cli/helpers.js';
import { databaseKinds, KEY_A, type TestDatabase } from '../store/databases.js';
import { collect, exited, forkChild, message } from '../sync/processes.js';
import { ROTATING_MANIFEST, startRotatingProvider, type RotatingProvider } from './rotating-provider.js';
import { call, serve, stop, type Serve } from '../runtime/serve-processes.js';

const LOAD_MS = 8000;

interface ChildCounts {
  ok: number;
  errors: string[];
}

for (const kind of databaseKinds()) {
  const processes = kind.dialect === 'postgres' ? 3 : 1;
  describe.skipIf(!kind.available)(`token refresh across ${processes} process(es) on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let dir: string;
    let connectors: string;
    let platform: Platform;

    beforeAll(async () => {
      await ensureBuilt();
      db = await kind.create('refresh_procs');
      dir = mkdtempSync(path.join(tmpdir(), 'patchbay-refresh-procs-'));
      connectors = path.join(dir, 'connectors');
      mkdirSync(path.join(connectors, 'rotating'), { recursive: true });
      writeFileSync(path.join(connectors, 'rotating', 'connector.yaml'), ROTATING_MANIFEST);
      platform = await createPlatform({ database: db.url, connectors, secretKeys: KEY_A, refresh: { pollMs: 20 } });
    }, 180_000);
    afterAll(async () => {
      await platform?.close();
      await db?.cleanup();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    async function connect(provider: RotatingProvider, tenant: string, expiresAt: number) {
      return platform.connections.create({ tenant, connector: 'rotating', name: 'c', config: { base: provider.url }, credentials: provider.seed(expiresAt), skipCheck: true });
    }

    const children = (n: number, tenant: string, id: string, env: Record<string, string> = {}) =>
      Array.from({ length: n }, () => forkChild('refresh-child.mjs', [db.url, connectors, tenant, id, String(LOAD_MS), '4'], { PATCHBAY_SECRET_KEYS: KEY_A, ...env }));

    it('refreshes once per expiry under load: no refresh token presented twice, none refused, the stored token works', async () => {
      const provider = await startRotatingProvider({ expiresIn: 3 });
      try {
        const info = await connect(provider, 'load', Date.now() + 3000);
        const kids = children(processes, 'load', info.id);
        const logs = kids.map(collect);
        await Promise.all(kids.map((c) => message(c, 'ready')));
        const results = kids.map((c) => new Promise<ChildCounts>((resolve) => c.on('message', (m: any) => m?.counts && resolve(m.counts))));
        for (const c of kids) c.send('go');
        const counts = await Promise.all(results);
        const codes = await Promise.all(kids.map(exited));
        expect(codes.map((c) => c.code), logs.map((l) => l.err()).join('\n')).toEqual(kids.map(() => 0));

        expect(counts.flatMap((c) => c.errors)).toEqual([]);
        expect(counts.every((c) => c.ok > 0)).toBe(true);
        // The tokens expired several times while the processes were calling.
        expect(provider.refreshes.length).toBeGreaterThanOrEqual(2);
        // Exactly one refresh per expiry: each refresh token was presented once, and accepted.
        expect(new Set(provider.refreshes).size).toBe(provider.refreshes.length);
        expect(provider.rejected).toEqual([]);
        expect(provider.calls.unauthorized).toBe(0);

        const { info: after, connection } = await platform.connections.resolve({ tenant: 'load', id: info.id });
        expect(after.status).toBe('active');
        expect(provider.valid.has(String(connection.credentials!.refresh_token))).toBe(true);
        expect(provider.valid.size).toBe(1);
        await expect(platform.engine.call(connection, 'me')).resolves.toEqual({ ok: true });
      } finally {
        await provider.close();
      }
    }, 120_000);

    it(`through ${processes} \`serve\` process(es) with their workers: one refresh per expiry, every call answered`, async () => {
      const provider = await startRotatingProvider({ expiresIn: 3 });
      const servers: Serve[] = [];
      try {
        const info = await connect(provider, 'served', Date.now() + 3000);
        // The per-key inbound limit is not what this measures.
        for (let i = 0; i < processes; i++) servers.push(await serve(connectors, db.url, ['--rate-limit', '100000', '--burst', '100000']));
        const failures: string[] = [];
        let ok = 0;
        const until = Date.now() + LOAD_MS;
        const caller = async (s: Serve) => {
          while (Date.now() < until) {
            const r = await call(s.url, 'POST', `/v1/connections/${info.id}/actions/me`, { tenant: 'served', body: {} });
            if (r.status === 200) ok++;
            else failures.push(`${r.status} ${JSON.stringify(r.body)}`);
          }
        };
        await Promise.all(servers.flatMap((s) => [caller(s), caller(s), caller(s)]));
        const codes = await Promise.all(servers.map(stop));
        expect(codes, servers.map((s) => s.stderr()).join('\n')).toEqual(servers.map(() => 0));

        expect(failures).toEqual([]);
        expect(ok).toBeGreaterThan(0);
        expect(provider.refreshes.length).toBeGreaterThanOrEqual(2);
        expect(new Set(provider.refreshes).size).toBe(provider.refreshes.length);
        expect(provider.rejected).toEqual([]);
        expect(provider.calls.unauthorized).toBe(0);
        const { info: after, connection } = await platform.connections.resolve({ tenant: 'served', id: info.id });
        expect(after.status).toBe('active');
        expect(provider.valid.has(String(connection.credentials!.refresh_token))).toBe(true);
        await expect(platform.engine.call(connection, 'me')).resolves.toEqual({ ok: true });
      } finally {
        await Promise.all(servers.map(stop));
        await provider.close();
      }
    }, 120_000);

    for (const graceMs of [60_000, 0]) {
      const outcome = graceMs ? 'works again (the provider accepts the stored token once more)' : 'is marked as needing a new consent, saying why';
      it(`a process killed after the provider answered, before storing the tokens: the connection ${outcome}`, async () => {
        const provider = await startRotatingProvider({ expiresIn: 3600, graceMs });
        try {
          const tenant = graceMs ? 'crash-grace' : 'crash';
          const info = await connect(provider, tenant, Date.now() - 1000);
          const [child] = children(1, tenant, info.id, { PATCHBAY_TEST_DIE_BEFORE_COMMIT: '1', PATCHBAY_TEST_LEASE_MS: '1500' });
          await message(child, 'ready');
          child.send('go');
          expect((await exited(child)).signal).toBe('SIGKILL');
          // The provider rotated the token; its answer died with the process.
          expect(provider.refreshes).toHaveLength(1);
          expect(provider.valid.size).toBe(1);

          const { connection } = await platform.connections.resolve({ tenant, id: info.id });
          const call = platform.engine.call(connection, 'me');
          if (graceMs) {
            await expect(call).resolves.toEqual({ ok: true });
            const after = await platform.connections.resolve({ tenant, id: info.id });
            expect(after.info.status).toBe('active');
            expect(provider.valid.has(String(after.connection.credentials!.refresh_token))).toBe(true);
          } else {
            await expect(call).rejects.toMatchObject({ kind: 'auth', code: 'refresh_interrupted' });
            const after = await platform.connections.get({ tenant, id: info.id });
            expect(after?.status).toBe('error');
            expect(after?.lastError).toContain('a token refresh was interrupted');
            expect(after?.lastError).toContain('reconnect');
          }
          expect(provider.refreshes).toHaveLength(2);
        } finally {
          await provider.close();
        }
      }, 60_000);
    }
  });
}

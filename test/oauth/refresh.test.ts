/**
 * Token refresh: on use (through the platform's credentials listener) and in the background
 * (one refresh per connection across processes), against a token server that rotates refresh
 * tokens and refuses a used one, as real providers do.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../engine/run/http/client.js';
import { OAuthApps } from '../../engine/platform/oauth/apps.js';
import { TokenRefresher, refreshLeaseKey } from '../../engine/platform/oauth/refresher.js';
import { createPlatform, type Platform } from '../../engine/platform/platform.js';
import { LeasesRepo } from '../../engine/platform/store/leases.js';
import { compile } from '../engine/helpers.js';
import { databaseKinds, KEY_A, type TestDatabase } from '../store/databases.js';
import { OAuthAppsRepo } from '../../engine/platform/store/oauth-apps.js';

interface TokenServer {
  url: string;
  /** Refresh requests received, by refresh token presented. */
  refreshes: Array<{ refreshToken: string; clientSecret?: string }>;
  /** Refresh tokens the server will accept (each once). */
  valid: Set<string>;
  delayMs: number;
  secret: string;
  close(): Promise<void>;
}

let counter = 0;

async function startTokenServer(): Promise<TokenServer> {
  const ts: TokenServer = { url: '', refreshes: [], valid: new Set(), delayMs: 0, secret: 'app-secret-v1', close: async () => undefined };
  const server = http.createServer(async (req, res) => {
    let text = '';
    for await (const c of req) text += c;
    const form = Object.fromEntries(new URLSearchParams(text));
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/me') return reply(200, { auth: req.headers.authorization });
    if (req.url !== '/token' || form.grant_type !== 'refresh_token') return reply(400, { error: 'unsupported_grant_type' });
    ts.refreshes.push({ refreshToken: form.refresh_token, clientSecret: form.client_secret });
    if (ts.delayMs) await new Promise((r) => setTimeout(r, ts.delayMs));
    if (form.client_secret !== ts.secret) return reply(401, { error: 'invalid_client' });
    if (!ts.valid.delete(form.refresh_token)) return reply(400, { error: 'invalid_grant', error_description: 'refresh token already used' });
    counter++;
    const next = `rt-${counter}-${Math.random().toString(36).slice(2)}`;
    ts.valid.add(next);
    reply(200, { access_token: `at-${counter}-${Math.random().toString(36).slice(2)}`, refresh_token: next, expires_in: 3600, token_type: 'bearer', account: { region: 'eu-2' } });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  ts.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ts.close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
  return ts;
}

const plan = compile(`
patchbay: 1
id: rotating
name: Rotating tokens
config:
  type: object
  required: [base]
  properties: { base: { type: string } }
auth:
  default: oauth
  methods:
    oauth:
      type: oauth2
      authorize_url: '{{config.base}}/authorize'
      token_url: '{{config.base}}/token'
      refresh_skew: 30s
      settings:
        region: account.region
    key:
      type: bearer
http:
  base_url: '{{config.base}}'
  retry: { max_attempts: 1 }
check:
  request: { path: /me }
actions:
  me:
    request: { path: /me }
    output: "$"
`, '/virtual/connectors/rotating/connector.yaml');

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`token refresh on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let ts: TokenServer;
    let a: Platform;
    let b: Platform;
    const client = createHttpClient();

    async function connection(p: Platform, opts: { expiresIn: number; refresh?: string | null; secret?: string; auth?: string; tenant?: string }) {
      const refresh = opts.refresh === undefined ? `rt-seed-${Math.random().toString(36).slice(2)}` : opts.refresh;
      if (refresh) ts.valid.add(refresh);
      const credentials: Record<string, unknown> = opts.auth === 'key'
        ? { token: 'static-token' }
        : { access_token: `at-seed-${Math.random()}`, client_id: 'cid', client_secret: opts.secret ?? ts.secret, expires_at: Date.now() + opts.expiresIn };
      if (refresh && opts.auth !== 'key') credentials.refresh_token = refresh;
      return p.connections.create({
        tenant: opts.tenant ?? 'acme', connector: 'rotating', name: `c${Math.random()}`, auth: opts.auth, config: { base: ts.url }, credentials, skipCheck: true,
      });
    }

    const creds = async (p: Platform, tenant: string, id: string) => (await p.connections.resolve({ tenant, id })).connection.credentials!;
    const refresher = (p: Platform, extra: Partial<ConstructorParameters<typeof TokenRefresher>[0]> = {}) =>
      new TokenRefresher({ store: p.store, connections: p.connections, plans: p.engine.plans, http: client, ...extra });

    beforeAll(async () => {
      db = await kind.create('refresh');
      ts = await startTokenServer();
      // Two platforms on one database: two processes as far as the store is concerned.
      a = await createPlatform({ database: db.url, connectors: [plan], secretKeys: KEY_A });
      b = await createPlatform({ database: db.url, connectors: [plan], secretKeys: KEY_A });
    });
    afterAll(async () => {
      client.close();
      await a?.close();
      await b?.close();
      await ts?.close();
      await db?.cleanup();
    });

    it('refreshes a token used after expiry and persists the rotated tokens through the credentials listener', async () => {
      const info = await connection(a, { expiresIn: -1000 });
      const before = await creds(a, 'acme', info.id);
      const { connection: conn } = await a.connections.resolve({ tenant: 'acme', id: info.id });
      const out = (await a.engine.call(conn, 'me')) as { auth: string };
      const after = await creds(a, 'acme', info.id);
      expect(after.refresh_token).not.toBe(before.refresh_token);
      expect(out.auth).toBe(`Bearer ${after.access_token}`);
      expect(Number(after.expires_at)).toBeGreaterThan(Date.now() + 3_500_000);
      expect((await a.connections.get({ tenant: 'acme', id: info.id }))?.settings).toEqual({ region: 'eu-2' });
      const row = await a.store.knex('connections').where('id', info.id).first();
      expect(row.credentials).toMatch(/^pbv1\./);
      expect(row.credentials).not.toContain(String(after.access_token));
    });

    it('refreshes idle connections nearing expiry in the background, and leaves the rest alone', async () => {
      // refresh_skew 30s and a 60s interval: due within max(2 × 30s, 2 × 60s) = 2 minutes.
      const due = await connection(a, { expiresIn: 90_000 });
      const later = await connection(a, { expiresIn: 150_000 });
      const fresh = await connection(a, { expiresIn: 60 * 60_000 });
      const noRefresh = await connection(a, { expiresIn: 60_000, refresh: null });
      const bearer = await connection(a, { expiresIn: 0, auth: 'key' });
      const before = { due: await creds(a, 'acme', due.id), fresh: await creds(a, 'acme', fresh.id) };
      const calls = ts.refreshes.length;

      const pass = await refresher(a).runOnce();
      expect(pass.refreshed).toBeGreaterThanOrEqual(1);
      expect(pass.failed).toBe(0);
      const after = await creds(a, 'acme', due.id);
      expect(after.access_token).not.toBe(before.due.access_token);
      expect(after.refresh_token).not.toBe(before.due.refresh_token);
      expect(after.client_secret).toBe(ts.secret);
      expect(await creds(a, 'acme', fresh.id)).toEqual(before.fresh);
      expect(await refresher(a).refreshOne('acme', later.id)).toBe('fresh');
      expect(await refresher(a, { windowMs: 5 * 60_000 }).refreshOne('acme', later.id)).toBe('refreshed');
      expect((await creds(a, 'acme', noRefresh.id)).refresh_token).toBeUndefined();
      expect((await creds(a, 'acme', bearer.id)).token).toBe('static-token');
      expect(ts.refreshes.slice(calls).map((r) => r.refreshToken)[0]).toBe(before.due.refresh_token);
      expect(ts.refreshes.length - calls).toBe(2);
    });

    it('lets only one of two processes refresh a connection at a time', async () => {
      const info = await connection(a, { expiresIn: 60_000, tenant: 'race' });
      const seed = (await creds(a, 'race', info.id)).refresh_token;
      const calls = ts.refreshes.length;
      ts.delayMs = 300;
      try {
        const outcomes = await Promise.all([
          refresher(a, { owner: 'process-a' }).refreshOne('race', info.id),
          refresher(b, { owner: 'process-b' }).refreshOne('race', info.id),
          refresher(b, { owner: 'process-c' }).refreshOne('race', info.id),
        ]);
        expect(outcomes.filter((o) => o === 'refreshed')).toHaveLength(1);
        expect(outcomes.filter((o) => o === 'busy' || o === 'fresh')).toHaveLength(2);
      } finally {
        ts.delayMs = 0;
      }
      expect(ts.refreshes.slice(calls).map((r) => r.refreshToken)).toEqual([seed]);
      // The winner's tokens are stored and still valid: nobody burned the rotated refresh token.
      const stored = await creds(b, 'race', info.id);
      expect(ts.valid.has(String(stored.refresh_token))).toBe(true);
      expect((await a.connections.get({ tenant: 'race', id: info.id }))?.status).toBe('active');
      // Once refreshed, a later pass in the other process finds nothing due.
      expect(await refresher(b).refreshOne('race', info.id)).toBe('fresh');
    });

    it('skips a connection whose lease another process holds', async () => {
      const info = await connection(a, { expiresIn: 60_000, tenant: 'held' });
      const leases = new LeasesRepo(() => Date.now());
      expect(await leases.acquire(a.store.scope('held'), refreshLeaseKey(info.id), { owner: 'other', runId: 'r1' }, 60_000)).toBe(true);
      const calls = ts.refreshes.length;
      expect(await refresher(b).refreshOne('held', info.id)).toBe('busy');
      expect(ts.refreshes.length).toBe(calls);
      await leases.release(a.store.scope('held'), refreshLeaseKey(info.id), 'r1');
      expect(await refresher(b).refreshOne('held', info.id)).toBe('refreshed');
    });

    it("uses the OAuth app's current secret when the stored one was rotated away", async () => {
      const info = await connection(a, { expiresIn: 60_000, tenant: 'rotated', secret: 'app-secret-v1' });
      const apps = new OAuthApps(new OAuthAppsRepo(a.store, a.vault), { PATCHBAY_OAUTH_ROTATING_HOSTS: '127.0.0.1' });
      await apps.set('rotating', { clientId: 'cid', clientSecret: 'app-secret-v2' });
      ts.secret = 'app-secret-v2';
      try {
        expect(await refresher(a).refreshOne('rotated', info.id)).toBe('failed');
        expect((await a.connections.get({ tenant: 'rotated', id: info.id }))?.status).toBe('active');
        expect(await refresher(a, { apps }).refreshOne('rotated', info.id)).toBe('refreshed');
      } finally {
        ts.secret = 'app-secret-v1';
        await apps.remove('rotating');
      }
    });

    it('marks the connection in error when the provider rejects the refresh token', async () => {
      const info = await connection(a, { expiresIn: 60_000, tenant: 'revoked' });
      ts.valid.delete(String((await creds(a, 'revoked', info.id)).refresh_token));
      expect(await refresher(a).refreshOne('revoked', info.id)).toBe('failed');
      const after = await a.connections.get({ tenant: 'revoked', id: info.id });
      expect(after?.status).toBe('error');
      expect(after?.lastError).toContain('invalid_grant');
      // In error, it is no longer a candidate for background refresh.
      const calls = ts.refreshes.length;
      await refresher(a).runOnce();
      expect(ts.refreshes.length).toBe(calls);
      expect(await refresher(a).refreshOne('revoked', info.id)).toBe('fresh');
    });

    it('refreshes from the credentials being set when their check needs a token, not from the stored ones', async () => {
      const info = await connection(a, { expiresIn: 60 * 60_000, tenant: 'draft' });
      const stored = await creds(a, 'draft', info.id);
      const pasted = `rt-pasted-${Math.random().toString(36).slice(2)}`;
      ts.valid.add(pasted);
      await a.connections.update({ tenant: 'draft', id: info.id }, { credentials: { ...stored, access_token: 'pasted', refresh_token: pasted, expires_at: Date.now() - 1000 } });
      expect(ts.refreshes.at(-1)?.refreshToken).toBe(pasted);
      const after = await creds(a, 'draft', info.id);
      expect(after.refresh_token).not.toBe(pasted);
      expect(ts.valid.has(String(after.refresh_token))).toBe(true);
      // The stored pair it replaced was never sent.
      expect(ts.refreshes.map((r) => r.refreshToken)).not.toContain(stored.refresh_token);
    });

    it('runs passes on a timer until stopped', async () => {
      const info = await connection(a, { expiresIn: 60_000, tenant: 'timer' });
      const before = (await creds(a, 'timer', info.id)).access_token;
      const r = refresher(a, { intervalMs: 20 });
      r.start();
      try {
        for (let i = 0; i < 100 && (await creds(a, 'timer', info.id)).access_token === before; i++) await new Promise((x) => setTimeout(x, 20));
      } finally {
        await r.stop();
      }
      expect((await creds(a, 'timer', info.id)).access_token).not.toBe(before);
    });
  });
}

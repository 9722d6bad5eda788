/**
 * Prompt invalidation across `serve` processes on one PostgreSQL database: a change made
 * through one process (or the CLI) reaches the caches of another at once, not when their
 * windows run out. Process B has just used the key, the connection, the connector secret and
 * the OAuth app (so each is cached there, for 30 s on PostgreSQL); the change goes through A
 * or the CLI, and B must refuse the old value within a second. On SQLite, the single-process
 * store, A and B are one process.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/helpers.js';
import { databaseKinds, type TestDatabase } from '../store/databases.js';
import { call, cli, serve, stop, type Serve } from './serve-processes.js';
/** Well inside the caches' 30 s window: a refusal this soon can only come from a notice. */
const WITHIN_MS = 1000;

const MANIFEST = `
patchbay: 1
id: notified
name: Invalidation fixture
categories: [testing]
config:
  type: object
  required: [base]
  properties: { base: { type: string } }
secrets:
  type: object
  properties: { verify_token: { type: string } }
auth:
  default: token
  methods:
    token: { type: bearer }
    oauth: { type: oauth2, authorize_url: '{{config.base}}/authorize', token_url: '{{config.base}}/token' }
http: { base_url: '{{config.base}}', retry: { max_attempts: 1 } }
check: { request: { path: /me } }
actions:
  whoami: { request: { path: /me }, output: "$" }
webhooks:
  handshake:
    - when: 'query.probe = "secret" and $exists(secrets.verify_token) and query.value = secrets.verify_token'
      methods: [GET]
      verify: false
      response: { content_type: text/plain, body: '"ok"' }
    - when: 'query.probe = "app" and $exists(app.client_secret) and query.value = app.client_secret'
      methods: [GET]
      verify: false
      response: { content_type: text/plain, body: '"ok"' }
    - when: "true"
      methods: [GET]
      verify: false
      response: { status: 403, content_type: text/plain }
  verify:
    type: hmac
    algorithm: sha256
    secret: "{{secrets.verify_token}}"
    signature: { header: x-signature, encoding: hex }
  connection:
    match: event.id
    setting: account_id
    secret: "{{secrets.verify_token}}"
  events: body.entry
  id: event.id
  type: body.object
  routes: []
`;

/** Polls until `done` says yes or `ms` passes; returns whether it did. */
async function within(ms: number, done: () => Promise<boolean>): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await done()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}

for (const kind of databaseKinds()) {
  const two = kind.dialect === 'postgres';
  describe.skipIf(!kind.available)(`invalidation across ${two ? 'two serve processes' : 'one serve process'} on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let dir: string;
    let connectors: string;
    let provider: http.Server;
    let providerUrl: string;
    let a: Serve;
    let b: Serve;

    beforeAll(async () => {
      await ensureBuilt();
      db = await kind.create('invalidate');
      dir = mkdtempSync(path.join(tmpdir(), 'patchbay-invalidate-'));
      connectors = path.join(dir, 'connectors');
      mkdirSync(path.join(connectors, 'notified'), { recursive: true });
      writeFileSync(path.join(connectors, 'notified', 'connector.yaml'), MANIFEST);
      provider = http.createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ token: String(req.headers.authorization ?? '').replace(/^Bearer /, '') }));
      });
      await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
      providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
      a = await serve(connectors, db.url);
      // B is API-only, as a deployment's front processes would be.
      b = two ? await serve(connectors, db.url, ['--no-workers']) : a;
    }, 180_000);
    afterAll(async () => {
      await stop(a);
      if (b !== a) await stop(b);
      await new Promise((r) => provider?.close(r));
      await db?.cleanup();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('a key revoked through A is refused by B within a second', async () => {
      const made = await call(a.url, 'POST', '/v1/keys', { body: { tenant: 'acme', name: 'short-lived' } });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      const { key, api_key: { id } } = made.body;
      expect((await call(b.url, 'GET', '/v1/connections', { key })).status).toBe(200);
      expect((await call(a.url, 'DELETE', `/v1/keys/${id}`)).status).toBeLessThan(300);
      expect(await within(WITHIN_MS, async () => (await call(b.url, 'GET', '/v1/connections', { key })).status === 401)).toBe(true);
    });

    it('rotated credentials and a disconnect through A reach B within a second', async () => {
      const created = await call(a.url, 'POST', '/v1/connections', { tenant: 'acme', body: { connector: 'notified', name: 'c1', config: { base: providerUrl }, credentials: { token: 'token-v1' } } });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const id = created.body.id;
      const whoami = () => call(b.url, 'POST', `/v1/connections/${id}/actions/whoami`, { tenant: 'acme', body: {} });
      expect((await whoami()).body).toMatchObject({ output: { token: 'token-v1' } });

      expect((await call(a.url, 'PATCH', `/v1/connections/${id}`, { tenant: 'acme', body: { credentials: { token: 'token-v2' } } })).status).toBe(200);
      expect(await within(WITHIN_MS, async () => (await whoami()).body?.output?.token === 'token-v2')).toBe(true);

      expect((await call(a.url, 'DELETE', `/v1/connections/${id}`, { tenant: 'acme' })).status).toBe(200);
      expect(await within(WITHIN_MS, async () => (await whoami()).status === 409)).toBe(true);
      expect((await whoami()).body.code).toBe('connection_disconnected');
    });

    const probe = (what: string, value: string) => call(b.url, 'GET', `/v1/webhooks/notified?probe=${what}&value=${value}`);

    it('a connector secret changed through A stops matching in B within a second', async () => {
      expect((await call(a.url, 'PUT', '/v1/connectors/notified/secrets', { body: { verify_token: 'vt-1' } })).status).toBe(200);
      expect((await probe('secret', 'vt-1')).status).toBe(200);
      expect((await call(a.url, 'PUT', '/v1/connectors/notified/secrets', { body: { verify_token: 'vt-2' } })).status).toBe(200);
      expect(await within(WITHIN_MS, async () => (await probe('secret', 'vt-1')).status === 403)).toBe(true);
      expect((await probe('secret', 'vt-2')).status).toBe(200);
    });

    // Another process changing the database is heard only on PostgreSQL; SQLite serves one process.
    if (two) it("an OAuth app's secret rotated by the CLI stops matching in B within a second", async () => {
      const set = await cli(['oauth-apps', 'set', 'notified', '--client-id', 'cid', '--client-secret-stdin'], db.url, connectors, 'app-secret-1\n');
      expect(set.code, set.stderr).toBe(0);
      expect(await within(WITHIN_MS, async () => (await probe('app', 'app-secret-1')).status === 200)).toBe(true);
      const rotated = await cli(['oauth-apps', 'set', 'notified', '--client-secret-stdin'], db.url, connectors, 'app-secret-2\n');
      expect(rotated.code, rotated.stderr).toBe(0);
      expect(await within(WITHIN_MS, async () => (await probe('app', 'app-secret-1')).status === 403)).toBe(true);
      expect((await probe('app', 'app-secret-2')).status).toBe(200);
    });
  });
}

/**
 * Action calls reuse a connection this process read moments ago (decrypted credentials in
 * memory) instead of reading and decrypting it on every call. What must hold: a change made
 * through this process applies to the very next call; another process's change is seen
 * within the window and no later; the cache never crosses tenants; credentials that are about
 * to expire are always read fresh.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createPlatform, type Platform } from '../../engine/platform/platform.js';
import { startRuntime, TEST_SECRET_KEYS, type TestRuntime } from './helpers.js';

const MANIFEST = `
patchbay: 1
id: cacheapi
name: Cache API
credentials:
  type: object
  required: [token]
  properties: { token: { type: string }, expires_at: { type: number } }
auth: { type: bearer }
http:
  base_url: https://cache.invalid
check:
  request: { method: GET, path: /me }
actions:
  whoami:
    input: { type: object }
    request: { method: GET, path: /me }
    output: "{ 'token': token }"
`;

const WINDOW_MS = 400;

describe('runtime: recent-connection cache for action calls', () => {
  let provider: http.Server;
  let providerUrl: string;
  let rt: TestRuntime;
  let other: Platform;
  let connectorsDir: string;
  const sent: string[] = [];

  beforeAll(async () => {
    // The provider echoes the bearer token it was sent, so a reply shows which credentials the call used.
    provider = http.createServer((req, res) => {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      sent.push(token);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token }));
    });
    await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
    providerUrl = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
    connectorsDir = mkdtempSync(path.join(tmpdir(), 'patchbay-cache-connectors-'));
    mkdirSync(path.join(connectorsDir, 'cacheapi'));
    writeFileSync(path.join(connectorsDir, 'cacheapi', 'connector.yaml'), MANIFEST);
    // No API-key limiter: it shares the faked performance clock below and would never refill.
    rt = await startRuntime({ connectorsDir, connectionCacheMs: WINDOW_MS, rateLimit: false });
    // A second platform on the same database stands for another server process.
    other = await createPlatform({ database: rt.database, connectors: connectorsDir, secretKeys: TEST_SECRET_KEYS });
  });
  afterAll(async () => {
    await other?.close();
    await rt?.close();
    await new Promise((resolve) => provider?.close(resolve));
    rmSync(connectorsDir, { recursive: true, force: true });
  });

  async function connect(tenant: string, credentials: Record<string, unknown>, name: string): Promise<string> {
    const res = await rt.call('POST', '/v1/connections', {
      key: await rt.keyFor(tenant),
      body: { connector: 'cacheapi', name, credentials, base_url: providerUrl },
    });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  async function whoami(tenant: string, id: string) {
    return rt.call('POST', `/v1/connections/${id}/actions/whoami`, { key: await rt.keyFor(tenant), body: {} });
  }

  it('sees another process\'s credential change within the window, not before', async () => {
    const id = await connect('acme', { token: 'tok-first' }, 'window');
    // The cache ages by performance.now(); faking only that clock puts the window's edges
    // where the test says, however slow the machine.
    vi.useFakeTimers({ toFake: ['performance'] });
    onTestFinished(() => { vi.useRealTimers(); });
    expect((await whoami('acme', id)).body.output).toEqual({ token: 'tok-first' });
    await other.connections.update({ tenant: 'acme', id }, { credentials: { token: 'tok-second' }, skipCheck: true });
    // Still inside the window: the cached credentials are used (this is the documented trade).
    expect((await whoami('acme', id)).body.output).toEqual({ token: 'tok-first' });
    vi.advanceTimersByTime(WINDOW_MS - 1);
    expect((await whoami('acme', id)).body.output).toEqual({ token: 'tok-first' });
    vi.advanceTimersByTime(2);
    expect((await whoami('acme', id)).body.output).toEqual({ token: 'tok-second' });
  });

  it('applies an update and a disconnect made through this server to the very next call', async () => {
    const id = await connect('acme', { token: 'tok-old' }, 'local');
    const key = await rt.keyFor('acme');
    expect((await whoami('acme', id)).body.output).toEqual({ token: 'tok-old' });

    const patched = await rt.call('PATCH', `/v1/connections/${id}`, { key, body: { credentials: { token: 'tok-new' }, skip_check: true } });
    expect(patched.status).toBe(200);
    expect((await whoami('acme', id)).body.output).toEqual({ token: 'tok-new' });

    const before = sent.length;
    expect((await rt.call('DELETE', `/v1/connections/${id}`, { key })).status).toBeLessThan(300);
    const after = await whoami('acme', id);
    expect(after.status).toBe(409);
    expect(after.body.code).toBe('connection_disconnected');
    expect(sent.length).toBe(before);
  });

  it('never serves one tenant\'s cached connection to another tenant', async () => {
    const id = await connect('acme', { token: 'tok-acme' }, 'isolated');
    expect((await whoami('acme', id)).status).toBe(200);
    const before = sent.length;
    const stolen = await whoami('globex', id);
    expect(stolen.status).toBe(404);
    expect(stolen.body.code).toBe('connection_not_found');
    expect(stolen.text).not.toContain('tok-acme');
    expect(sent.length).toBe(before);
  });

  it('reads credentials that expire soon afresh on every call', async () => {
    const soon = Date.now() + 60_000;
    const id = await connect('acme', { token: 'tok-expiring', expires_at: soon }, 'expiring');
    expect((await whoami('acme', id)).body.output).toEqual({ token: 'tok-expiring' });
    await other.connections.update({ tenant: 'acme', id }, { credentials: { token: 'tok-rotated', expires_at: soon }, skipCheck: true });
    expect((await whoami('acme', id)).body.output).toEqual({ token: 'tok-rotated' });
  });

  it('hands the engine frozen snapshots and each call its own connection object', async () => {
    const id = await connect('acme', { token: 'tok-snap' }, 'snapshot');
    const service = rt.running.platform.connections;
    const a = await service.resolveRecent({ tenant: 'acme', id }, 60_000);
    const b = await service.resolveRecent({ tenant: 'acme', id }, 60_000);
    expect(a.connection).not.toBe(b.connection);
    expect(a.connection.credentials).toBe(b.connection.credentials);
    expect(Object.isFrozen(a.connection.credentials)).toBe(true);
    expect(() => { (a.connection.credentials as Record<string, unknown>).token = 'x'; }).toThrow(TypeError);
    // Replacing credentials on one caller's object (what a token refresh does) leaves the other's alone.
    a.connection.credentials = { token: 'refreshed' };
    expect(b.connection.credentials).toEqual({ token: 'tok-snap' });
    // A zero window reads every time.
    const fresh = await service.resolveRecent({ tenant: 'acme', id }, 0);
    expect(fresh.connection.credentials).not.toBe(b.connection.credentials);
  });
});

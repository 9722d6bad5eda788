import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../engine/run/http/client.js';
import type { OutboundRequest } from '../../engine/core/wire.js';
import { startServer, type TestServer } from './server.js';

const client = createHttpClient({ userAgent: 'patchbay-test/1' });
const closers: Array<() => Promise<void>> = [];
afterEach(async () => { await Promise.all(closers.splice(0).map((c) => c())); });
afterAll(() => client.close());

const get = (url: string, headers: Record<string, string> = {}, method: OutboundRequest['method'] = 'GET'): OutboundRequest =>
  ({ method, url, query: [], headers, bodyFormat: 'none' });

async function raw(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function serve(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const s = await startServer(...args);
  closers.push(() => s.close());
  return s;
}

describe('send', () => {
  it('decompresses gzip, parses JSON by content type or by shape, and keeps the raw body', async () => {
    const url = await raw((req, res) => {
      if (req.url === '/gz') {
        res.writeHead(200, { 'content-type': 'application/vnd.api+json', 'content-encoding': 'gzip' });
        res.end(gzipSync(JSON.stringify({ zipped: true })));
      } else if (req.url === '/untyped') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(' [1,2]');
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('{not json');
      }
    });
    const gz = await client.send(get(`${url}/gz`), { timeoutMs: 2000 });
    expect(gz.body).toEqual({ zipped: true });
    expect(gz.rawBody).toBe('{"zipped":true}');
    expect((await client.send(get(`${url}/untyped`), { timeoutMs: 2000 })).body).toEqual([1, 2]);
    expect((await client.send(get(`${url}/broken`), { timeoutMs: 2000 })).body).toBe('{not json');
  });

  it('sends the user agent and reuses keep-alive connections', async () => {
    const sockets = new Set<unknown>();
    const url = await raw((req, res) => { sockets.add(req.socket); res.end(String(req.headers['user-agent'])); });
    for (let i = 0; i < 3; i++) expect((await client.send(get(url), { timeoutMs: 2000 })).body).toBe('patchbay-test/1');
    expect(sockets.size).toBe(1);
  });

  it('drops credential headers when a redirect leaves the origin, keeps them within it', async () => {
    const other = await serve(() => ({ body: { ok: true } }));
    const origin = await serve((r) => (r.path === '/away'
      ? { status: 302, headers: { location: `${other.url}/landing` } }
      : r.path === '/near' ? { status: 302, headers: { location: '/here' } } : { body: {} }));
    const creds = { 'x-api-key': 'k-123', authorization: 'Bearer t', 'x-custom': 'kept' };
    await client.send(get(`${origin.url}/away`, creds), { timeoutMs: 2000 });
    expect(other.seen[0].headers['x-api-key']).toBeUndefined();
    expect(other.seen[0].headers.authorization).toBeUndefined();
    expect(other.seen[0].headers['x-custom']).toBe('kept');
    await client.send(get(`${origin.url}/near`, creds), { timeoutMs: 2000 });
    expect(origin.seen.at(-1)!.path).toBe('/here');
    expect(origin.seen.at(-1)!.headers['x-api-key']).toBe('k-123');
  });

  it('stops after five redirects with a network error', async () => {
    const s = await serve((_r, i) => ({ status: 302, headers: { location: `/r${i + 1}` } }));
    const err = await client.send(get(`${s.url}/r0`), { timeoutMs: 2000 }).catch((e) => e);
    expect(err.kind).toBe('network');
    expect(err.message).toContain('redirects');
    expect(s.seen).toHaveLength(6);
  });

  it('returns HEAD responses without a body', async () => {
    const s = await serve(() => ({ headers: { 'x-total': '7' }, body: { ignored: true } }));
    const res = await client.send(get(s.url, {}, 'HEAD'), { timeoutMs: 2000 });
    expect(res.status).toBe(200);
    expect(res.headers['x-total']).toBe('7');
    expect(res.body).toBeUndefined();
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { authStrategyFor } from '../../engine/components/auth/registry.js';
import { ConnectorError } from '../../engine/core/errors.js';
import { createHttpClient } from '../../engine/run/http/client.js';
import { executeRequest } from '../../engine/run/http/execute.js';
import { renderRequest } from '../../engine/run/http/render.js';
import type { Connection } from '../../engine/core/wire.js';
import { authContext, compileSnippet, templateContext, type Block } from '../helpers/compiled.js';
import { closedPort, serverPerTest } from './server.js';

const client = createHttpClient();
const serve = serverPerTest();
afterAll(() => client.close());

/**
 * One action's `request` and `http` override, compiled under a connector `http` block with
 * tiny backoffs so tests stay fast; the compiler merges the override in key by key.
 */
async function call(baseUrl: string, request: Block, override?: Block, conn: Connection = { connector: 'demo', id: 'c1' }) {
  const { http, request: planRequest, method } = compileSnippet({
    http: { base_url: baseUrl, retry: { backoff: { initial: '5ms', max: '20ms' } } },
    request,
    ...(override ? { actionHttp: override } : {}),
  });
  const out = await renderRequest(planRequest, http, templateContext(conn));
  return executeRequest(out, {
    http, auth: { strategy: authStrategyFor(method), ctx: authContext(method, conn, client) },
    client, limiterKey: `connection:${conn.id}`, connector: 'demo', operation: 'action:test',
  });
}

const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e) => e as ConnectorError);

describe('executeRequest retries', () => {
  it('retries a 503 and returns the later success', async () => {
    const s = await serve((_r, i) => (i < 2 ? { status: 503, body: { message: 'busy' } } : { body: { id: 1 } }));
    const res = await call(s.url, { path: '/x' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: 1 });
    expect(s.seen).toHaveLength(3);
  });

  it('gives up after max_attempts with a retryable server error carrying the provider message', async () => {
    const s = await serve(() => ({ status: 502, body: { message: 'bad gateway today' } }));
    const err = await fail(call(s.url, { path: '/x' }, { retry: { max_attempts: 2 } }));
    expect(s.seen).toHaveLength(2);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.kind).toBe('server');
    expect(err.status).toBe(502);
    expect(err.retryable).toBe(true);
    expect(err.providerMessage).toBe('bad gateway today');
    expect(err.connector).toBe('demo');
    expect(err.operation).toBe('action:test');
    expect(err.request).toEqual({ method: 'GET', url: `${s.url}/x` });
  });

  it('waits as long as Retry-After says, in seconds and as an HTTP date', async () => {
    const s = await serve((_r, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { body: {} }));
    const t0 = Date.now();
    await call(s.url, { path: '/x' });
    expect(s.seen[1].at - s.seen[0].at).toBeGreaterThanOrEqual(950);

    // HTTP dates have one-second resolution: ask for 2 s ahead so the wait is ≥ 1 s.
    const d = await serve((_r, i) => (i === 0 ? { status: 503, headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() } } : { body: {} }));
    await call(d.url, { path: '/x' });
    expect(d.seen[1].at - d.seen[0].at).toBeGreaterThanOrEqual(900);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('reads an epoch reset header as a wait', async () => {
    const s = await serve((_r, i) => (i === 0 ? { status: 429, headers: { 'x-ratelimit-reset': String(Date.now() + 300) } } : { body: {} }));
    await call(s.url, { path: '/x' }, { retry: { wait_headers: ['retry-after', 'x-ratelimit-reset'] } });
    expect(s.seen[1].at - s.seen[0].at).toBeGreaterThanOrEqual(250);
  });

  it('fails at once with rate_limited when the demanded wait exceeds max_wait', async () => {
    const s = await serve(() => ({ status: 429, headers: { 'retry-after': '120' }, body: { message: 'slow down' } }));
    const t0 = Date.now();
    const err = await fail(call(s.url, { path: '/x' }, { retry: { max_wait: '1s' } }));
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(s.seen).toHaveLength(1);
    expect(err.kind).toBe('rate_limited');
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBe(120_000);
  });

  it('does not retry a POST without an idempotency header', async () => {
    const s = await serve(() => ({ status: 503 }));
    const err = await fail(call(s.url, { method: 'POST', path: '/charges', body: { amount: 5 } }));
    expect(err.kind).toBe('server');
    expect(s.seen).toHaveLength(1);
  });

  it('retries a POST with one idempotency key reused on every attempt', async () => {
    const s = await serve((_r, i) => (i < 2 ? { status: 503 } : { body: { id: 'ch_1' } }));
    const http: Block = { retry: { idempotency_header: 'Idempotency-Key' } };
    await call(s.url, { method: 'POST', path: '/charges', body: { amount: 5 } }, http);
    const keys = s.seen.map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);
    // A second logical call gets its own key.
    await call(s.url, { method: 'POST', path: '/charges', body: { amount: 5 } }, http);
    expect(s.seen[3].headers['idempotency-key']).not.toBe(keys[0]);
  });

  it('lets retry.when force or forbid a retry whatever the status table says', async () => {
    const s = await serve((r, i) => {
      if (r.path === '/never') return { status: 503, headers: { 'x-should-retry': 'false' } };
      return i === 1 ? { status: 409, headers: { 'x-should-retry': 'true' } } : { body: {} };
    });
    const http: Block = { retry: { when: '$headers.`x-should-retry` = "true" ? true : $headers.`x-should-retry` = "false" ? false : null' } };
    const err = await fail(call(s.url, { path: '/never' }, http));
    expect(err.kind).toBe('server');
    expect(s.seen).toHaveLength(1);
    await call(s.url, { path: '/forced' }, http);
    expect(s.seen).toHaveLength(3);
  });

  it('reports a closed port as a network error after retrying', async () => {
    const port = await closedPort();
    const err = await fail(call(`http://127.0.0.1:${port}`, { path: '/x' }, { retry: { max_attempts: 2 } }));
    expect(err.kind).toBe('network');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('reports a slow server as a timeout', async () => {
    const s = await serve(() => ({ body: {}, delayMs: 400 }));
    const err = await fail(call(s.url, { path: '/x' }, { timeout: '80ms', retry: { max_attempts: 2 } }));
    expect(err.kind).toBe('timeout');
    expect(s.seen).toHaveLength(2);
  });
});

describe('executeRequest classification', () => {
  it('turns a 200 with ok:false into an error with the provider code, message and mapped kind', async () => {
    const s = await serve((r) => (r.path === '/auth.test'
      ? { body: { ok: false, error: 'invalid_auth' } }
      : { body: { ok: false, error: 'channel_not_found', detail: 'no such channel' } }));
    const http: Block = { errors: { when: 'ok = false', code: 'error', message: 'detail', kinds: { invalid_auth: 'auth' } } };
    const a = await fail(call(s.url, { path: '/auth.test' }, http));
    expect(a.kind).toBe('auth');
    expect(a.status).toBe(200);
    expect(a.providerCode).toBe('invalid_auth');
    const b = await fail(call(s.url, { path: '/conversations.info' }, http));
    expect(b.kind).toBe('client');
    expect(b.providerMessage).toBe('no such channel');
    expect(b.message).toContain('no such channel');
    const ok = await serve(() => ({ body: { ok: true, channel: {} } }));
    expect((await call(ok.url, { path: '/x' }, http)).body).toEqual({ ok: true, channel: {} });
  });

  it('maps statuses to kinds and finds messages in the usual places', async () => {
    const s = await serve((r) => {
      const status = Number(r.path.slice(1));
      if (status === 403 && r.query.get('limit') === '1') return { status, headers: { 'x-ratelimit-remaining': '0' }, body: { message: 'API rate limit exceeded' } };
      if (status === 404) return { status, body: { error: { message: 'No such customer', code: 'resource_missing' } } };
      if (status === 400) return { status, body: { error: 'invalid_request', error_description: 'bad field' } };
      return { status, body: 'plain text failure' };
    });
    const noRetry: Block = { retry: { max_attempts: 1 } };
    const cases: Array<[string, string, string | undefined]> = [
      ['/401', 'auth', 'plain text failure'], ['/403', 'forbidden', undefined], ['/409', 'conflict', undefined],
      ['/422', 'client', undefined], ['/429', 'rate_limited', undefined], ['/500', 'server', undefined],
    ];
    for (const [path, kind, msg] of cases) {
      const e = await fail(call(s.url, { path }, noRetry));
      expect(e.kind, path).toBe(kind);
      if (msg) expect(e.providerMessage).toBe(msg);
    }
    const limited = await fail(call(s.url, { path: '/403', query: { limit: '1' } }, noRetry));
    expect(limited.kind).toBe('rate_limited');
    expect(limited.providerMessage).toBe('API rate limit exceeded');
    const nf = await fail(call(s.url, { path: '/404' }, noRetry));
    expect([nf.kind, nf.providerCode, nf.providerMessage]).toEqual(['not_found', 'resource_missing', 'No such customer']);
    const bad = await fail(call(s.url, { path: '/400' }, noRetry));
    expect([bad.kind, bad.providerCode, bad.providerMessage]).toEqual(['client', 'invalid_request', 'bad field']);
  });

  it('follows redirects and reports the final URL', async () => {
    const s = await serve((r) => (r.path === '/old' ? { status: 301, headers: { location: '/new' } } : { body: { here: r.path } }));
    const res = await call(s.url, { path: '/old' });
    expect(res.body).toEqual({ here: '/new' });
    expect(res.url).toBe(`${s.url}/new`);
  });
});

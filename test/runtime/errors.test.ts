/**
 * Bad input is the caller's problem, said clearly: malformed JSON 400, oversized 413, wrong
 * media type 415, schema violations 422 (bodies) or 400 (query) listing every wrong field,
 * missing or bad keys 401, too many requests 429 with Retry-After. Never a 500.
 */
import http from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime, type TestRuntime } from './helpers.js';

function rawRequest(url: string, opts: { method: string; path: string; headers: Record<string, string>; chunks: Buffer[] }): Promise<{ status: number; body: any; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({ host: u.hostname, port: u.port, method: opts.method, path: opts.path, headers: opts.headers }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined, headers: res.headers }));
    });
    req.on('error', reject);
    (async () => {
      for (const c of opts.chunks) {
        if (!req.write(c)) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    })().catch(() => undefined);
  });
}

describe('runtime: bad requests', () => {
  let rt: TestRuntime;
  let key: string;

  beforeAll(async () => {
    rt = await startRuntime({ bodyLimit: 64 * 1024 });
    key = await rt.keyFor('acme');
  });
  afterAll(async () => {
    await rt?.close();
  });

  it('answers malformed JSON with 400 and never quotes the body', async () => {
    const res = await rt.call('POST', '/v1/connections', { key, raw: '{"connector": "stripe", "credentials": {"api_key": "sk_test_LEAKME99"', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: 'urn:patchbay:problem:malformed_json', title: 'Bad Request', status: 400, code: 'malformed_json' });
    expect(res.text).not.toContain('LEAKME');
  });

  it('answers bodies over the limit with 413, declared or streamed', async () => {
    const big = Buffer.alloc(65 * 1024, 'a');
    const declared = await rt.call('POST', '/v1/connections', { key, raw: big, headers: { 'content-type': 'application/json' } });
    expect(declared.status).toBe(413);
    expect(declared.body.code).toBe('body_too_large');

    const chunks = Array.from({ length: 20 }, () => Buffer.alloc(8 * 1024, 'b'));
    const streamed = await rawRequest(rt.url, {
      method: 'POST', path: '/v1/connections', chunks,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    });
    expect(streamed.status).toBe(413);
    expect(streamed.body.code).toBe('body_too_large');
    // The server is still fine afterwards.
    expect((await rt.call('GET', '/healthz')).status).toBe(200);
  });

  it('wants JSON bodies declared as JSON', async () => {
    const res = await rt.call('POST', '/v1/connections', { key, raw: 'connector=stripe', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('unsupported_media_type');
    const gz = await rt.call('POST', '/v1/connections', { key, raw: '{}', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    expect(gz.status).toBe(415);
  });

  it('lists every schema violation of a body (422) and of a query (400)', async () => {
    const res = await rt.call('POST', '/v1/connections', { key, body: { connector: 7, skip_check: 'yes', colour: 'red' } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('invalid_body');
    const paths = res.body.errors.map((e: any) => e.path).sort();
    expect(paths).toEqual(['body.colour', 'body.connector', 'body.name', 'body.skip_check']);
    for (const e of res.body.errors) expect(typeof e.message).toBe('string');

    const missing = await rt.call('POST', '/v1/connections', { key });
    expect(missing.status).toBe(422);
    expect(missing.body.errors[0]).toMatchObject({ path: 'body' });

    const array = await rt.call('POST', '/v1/connections', { key, body: [1, 2] });
    expect(array.status).toBe(422);

    const query = await rt.call('GET', '/v1/connections?status=sleeping&extra=1', { key });
    expect(query.status).toBe(400);
    expect(query.body.code).toBe('invalid_query');
    expect(query.body.errors.map((e: any) => e.path).sort()).toEqual(['query.extra', 'query.status']);

    const unknown = await rt.call('POST', '/v1/connections', { key, body: { connector: 'nope', name: 'x' } });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'unknown_connector', errors: [{ path: 'body.connector' }] });
  });

  it('wants a live key: 401 without one, with a bad one, or a revoked one', async () => {
    const none = await rt.call('GET', '/v1/connections');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(none.body.code).toBe('unauthorized');
    const basic = await rt.call('GET', '/v1/connections', { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    expect(basic.status).toBe(401);
    const wrong = await rt.call('GET', '/v1/connections', { key: 'pbk_' + 'x'.repeat(59) });
    expect(wrong.body.code).toBe('invalid_key');
    const created = await rt.running.app.runtime.services.keys.create({ tenant: 'temp' });
    expect((await rt.call('GET', '/v1/connections', { key: created.key })).status).toBe(200);
    await rt.running.app.runtime.services.keys.revoke(created.info.id);
    expect((await rt.call('GET', '/v1/connections', { key: created.key })).status).toBe(401);
    // A tenant key is not the admin key.
    const admin = await rt.call('GET', '/v1/keys', { key });
    expect(admin.status).toBe(403);
    expect(admin.body.code).toBe('admin_required');
  });

  it('answers unknown routes and methods with problems', async () => {
    const route = await rt.call('GET', '/v1/nothing-here', { key });
    expect(route.status).toBe(404);
    expect(route.body.code).toBe('route_not_found');
    const method = await rt.call('PUT', '/v1/connections', { key });
    expect(method.status).toBe(405);
    expect(method.body.code).toBe('method_not_allowed');
  });

  it('never answers arbitrary bytes with a 5xx', async () => {
    const targets = ['/v1/connections', '/v1/connections/conn_x/actions/get_customer', '/v1/connections/conn_x/streams/s/schedule', '/v1/keys'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), fc.uint8Array({ maxLength: 300 }), fc.constantFrom('application/json', 'text/plain', 'application/merge-patch+json'), async (target, bytes, type) => {
        const method = target.endsWith('schedule') ? 'PUT' : 'POST';
        const res = await rt.call(method, target, { key: target === '/v1/keys' ? rt.adminKey : key, raw: Buffer.from(bytes), headers: { 'content-type': type } });
        expect(res.status).toBeLessThan(500);
        expect(res.body.code ?? 'ok').not.toBe('internal');
      }),
      { numRuns: 60 },
    );
  });
});

describe('runtime: per-key rate limit', () => {
  it('answers 429 with Retry-After once a key spends its burst, without slowing other keys', async () => {
    const rt = await startRuntime({ rateLimit: { perSecond: 1, burst: 3 } });
    try {
      const a = await rt.keyFor('acme');
      const b = await rt.keyFor('globex');
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await rt.call('GET', '/v1/connections', { key: a })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await rt.call('GET', '/v1/connections', { key: a });
      expect(limited.body.code).toBe('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBe(1);
      expect((await rt.call('GET', '/v1/connections', { key: b })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await rt.call('GET', '/v1/connections', { key: a })).status).toBe(200);
    } finally {
      await rt.close();
    }
  });
});

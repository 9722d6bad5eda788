/**
 * Request defaults and retry gaps (issue 13 item 3): `http.query` on every call (QuickBooks'
 * `minorversion`), the idempotency key as a query parameter (Intuit's `requestid`), and
 * `retry.when` answering true retrying a POST (Stripe's `Stripe-Should-Retry: true`).
 * Real requests to a local server.
 *
 * - https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/minor-versions
 * - https://developer.intuit.com/app/developer/qbo/docs/develop/rest-api-features#idempotency (`requestid`)
 * - https://docs.stripe.com/error-low-level#server-errors (`Stripe-Should-Retry`)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { authStrategyFor } from '../../engine/components/auth/registry.js';
import { ConnectorError } from '../../engine/core/errors.js';
import { createHttpClient } from '../../engine/run/http/client.js';
import { executeRequest } from '../../engine/run/http/execute.js';
import { renderRequest } from '../../engine/run/http/render.js';
import type { Connection } from '../../engine/core/wire.js';
import { authContext, compileSnippet, templateContext, type Block } from '../helpers/compiled.js';
import { serverPerTest } from './server.js';

const client = createHttpClient();
const serve = serverPerTest();
afterAll(() => client.close());

async function call(connectorHttp: Block, request: Block, override?: Block, conn: Connection = { connector: 'demo', id: 'c1', config: { minor: '75' } }) {
  const { http, request: planRequest, method } = compileSnippet({
    http: { retry: { backoff: { initial: '5ms', max: '20ms' } }, ...connectorHttp },
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

describe('http.query', () => {
  it('adds the default parameters to every request, rendered from config', async () => {
    const s = await serve(() => ({ body: {} }));
    await call({ base_url: s.url, query: { minorversion: '{{config.minor}}', strict: true } }, { path: '/v3/company/1/query', query: { query: 'select * from Customer' } });
    expect(s.seen[0].rawUrl).toBe('/v3/company/1/query?query=select%20*%20from%20Customer&minorversion=75&strict=true');
  });

  it('a request naming the parameter keeps its own, in its query or its URL, and an empty one drops it', async () => {
    const s = await serve(() => ({ body: {} }));
    const http = { base_url: s.url, query: { minorversion: '75' } };
    await call(http, { path: '/a', query: { minorversion: '4' } });
    await call(http, { url: `${s.url}/b?minorversion=9` });
    await call(http, { path: '/c', query: { minorversion: '{{config.absent}}' } });
    expect(s.seen.map((r) => r.rawUrl)).toEqual(['/a?minorversion=4', '/b?minorversion=9', '/c']);
  });

  it('an operation override replaces one default and keeps the rest', async () => {
    const s = await serve(() => ({ body: {} }));
    await call({ base_url: s.url, query: { minorversion: '75', lang: 'en' } }, { path: '/x' }, { query: { minorversion: '70' } });
    expect(s.seen[0].query.get('minorversion')).toBe('70');
    expect(s.seen[0].query.get('lang')).toBe('en');
  });
});

describe('retry.idempotency_query', () => {
  it('sends one key per call in the query, the same on every attempt, and so retries a POST', async () => {
    const s = await serve((_r, i) => (i === 0 ? { status: 503, body: { message: 'busy' } } : { body: { ok: true } }));
    await call({ base_url: s.url, retry: { idempotency_query: 'requestid', backoff: { initial: '5ms', max: '20ms' } } }, { method: 'POST', path: '/customer', body: { DisplayName: 'A' } });
    expect(s.seen).toHaveLength(2);
    const keys = s.seen.map((r) => r.query.get('requestid'));
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);

    await call({ base_url: s.url, retry: { idempotency_query: 'requestid' } }, { method: 'POST', path: '/customer', body: {} });
    expect(s.seen[2].query.get('requestid')).not.toBe(keys[0]);
  });

  it('safe methods carry no key, and a request that sets one keeps it', async () => {
    const s = await serve(() => ({ body: {} }));
    const http = { base_url: s.url, retry: { idempotency_query: 'requestid' } };
    await call(http, { path: '/customer/1' });
    await call(http, { method: 'POST', path: '/customer', query: { requestid: 'mine' } });
    expect(s.seen[0].query.has('requestid')).toBe(false);
    expect(s.seen[1].query.getAll('requestid')).toEqual(['mine']);
  });
});

describe('retry.when', () => {
  const should = (v: string) => (i: number) => (i === 0 ? { status: 500, headers: { 'stripe-should-retry': v }, body: { error: { message: 'oops' } } } : { body: { id: 'ch_1' } });
  const http = (url: string) => ({ base_url: url, retry: { when: '$headers.`stripe-should-retry` = "true" ? true : ($headers.`stripe-should-retry` = "false" ? false : null)', backoff: { initial: '5ms', max: '20ms' } } });

  it('true retries a POST although it has no idempotency key', async () => {
    const s = await serve((_r, i) => should('true')(i));
    const res = await call(http(s.url), { method: 'POST', path: '/v1/charges', body: {} });
    expect(res.body).toEqual({ id: 'ch_1' });
    expect(s.seen).toHaveLength(2);
  });

  it('false never retries, and undecided leaves a POST to the method rule (no retry)', async () => {
    const no = await serve((_r, i) => should('false')(i));
    expect((await fail(call(http(no.url), { method: 'POST', path: '/v1/charges', body: {} }))).status).toBe(500);
    expect(no.seen).toHaveLength(1);
    const undecided = await serve((_r, i) => (i === 0 ? { status: 503, body: {} } : { body: {} }));
    await fail(call(http(undecided.url), { method: 'POST', path: '/v1/charges', body: {} }));
    expect(undecided.seen).toHaveLength(1);
    // A GET still follows the status table when the expression is undecided.
    const get = await serve((_r, i) => (i === 0 ? { status: 503, body: {} } : { body: {} }));
    await call(http(get.url), { path: '/v1/charges' });
    expect(get.seen).toHaveLength(2);
  });

  it('true stops at max_attempts', async () => {
    const s = await serve(() => ({ status: 500, headers: { 'stripe-should-retry': 'true' }, body: {} }));
    const h = http(s.url);
    await fail(call({ ...h, retry: { ...h.retry, max_attempts: 3 } }, { method: 'POST', path: '/v1/charges', body: {} }));
    expect(s.seen).toHaveLength(3);
  });
});

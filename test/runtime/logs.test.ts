/**
 * One JSON log line per request (request id in and out, tenant, route, status, duration),
 * and no secret anywhere: canary credentials, API keys and the admin key are sent through
 * successful and failing requests, including a provider that echoes the key in its error,
 * and must not appear in any log line or reply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeStripe, type FakeStripe } from './fake-stripe.js';
import { startRuntime, type TestRuntime } from './helpers.js';

const CRED = 'sk_test_CANARYcred7777';
const WRONG = 'sk_test_CANARYwrong8888';
const FAKE_KEY = `pbk_${'C'.repeat(16)}CANARYapikey${'k'.repeat(31)}`;

describe('runtime: request logs', () => {
  let rt: TestRuntime;
  let stripe: FakeStripe;
  const replies: string[] = [];

  beforeAll(async () => {
    stripe = await startFakeStripe({ keys: [CRED] });
    rt = await startRuntime();
  });
  afterAll(async () => {
    await rt?.close();
    await stripe?.close();
  });

  it('writes one line per request with request id, tenant, route, status and duration', async () => {
    const key = await rt.keyFor('acme');
    const res = await rt.call('GET', '/v1/connections', { key, headers: { 'x-request-id': 'trace-abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-abc-123');
    const line = rt.logs.find((l) => l.reqId === 'trace-abc-123')!;
    expect(line).toMatchObject({ msg: 'request', method: 'GET', path: '/v1/connections', route: '/v1/connections', status: 200, tenant: 'acme' });
    expect(typeof line.durationMs).toBe('number');
    expect(line.keyId).toMatch(/^key_/);

    const unsafe = await rt.call('GET', '/v1/connections/conn_nope', { key, headers: { 'x-request-id': 'bad id\twith spaces' } });
    const id = unsafe.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(unsafe.body.request_id).toBe(id);
    expect(rt.logs.find((l) => l.reqId === id)).toMatchObject({ status: 404, route: '/v1/connections/:id', code: 'connection_not_found' });
  });

  it('never logs or returns a credential, an API key or the admin key', async () => {
    const key = await rt.keyFor('acme');
    const record = <T extends { text: string }>(r: T): T => { replies.push(r.text); return r; };

    const made = record(await rt.call('POST', '/v1/connections', { key, body: { connector: 'stripe', name: 'c', credentials: { api_key: CRED }, base_url: stripe.url } }));
    const id = JSON.parse(made.text).id;
    record(await rt.call('POST', `/v1/connections/${id}/actions/create_customer`, { key, body: { email: 'a@example.com' } }));
    // The provider echoes the presented key in its 401 body.
    const refused = record(await rt.call('PATCH', `/v1/connections/${id}`, { key, body: { credentials: { api_key: WRONG } } }));
    expect(refused.status).toBe(424);
    stripe.keys.delete(CRED);
    const echoed = record(await rt.call('POST', `/v1/connections/${id}/actions/get_customer`, { key, body: { id: 'cus_0001' } }));
    expect(echoed.status).toBe(424);
    // The provider's words came through, with the key blanked out.
    expect(JSON.parse(echoed.text).detail).toContain('Invalid API Key provided: [REDACTED]');
    expect(JSON.parse(refused.text).detail).toContain('Invalid API Key provided: [REDACTED]');
    record(await rt.call('POST', `/v1/connections/${id}/check`, { key }));
    record(await rt.call('POST', `/v1/connections/${id}/streams/customers/sync?wait=true`, { key }));
    record(await rt.call('POST', '/v1/connections', { key, raw: `{"credentials": {"api_key": "${CRED}"`, headers: { 'content-type': 'application/json' } }));
    record(await rt.call('POST', '/v1/connections', { key, body: { connector: 'stripe', name: 'd', credentials: { api_key: CRED }, base_url: stripe.url, oops: CRED } }));
    record(await rt.call('GET', '/v1/connections', { key: FAKE_KEY }));
    record(await rt.call('GET', `/v1/connections?tenant=acme`, { key: rt.adminKey }));
    record(await rt.call('POST', '/v1/keys', { key: rt.adminKey, body: { tenant: 'globex' } }));

    expect(stripe.seen.some((r) => r.authorization === `Bearer ${WRONG}`)).toBe(true);
    const canaries = [CRED, WRONG, FAKE_KEY, key, rt.adminKey, 'CANARY'];
    const forms = canaries.flatMap((c) => [c, Buffer.from(c).toString('base64'), encodeURIComponent(c)]);
    const logText = rt.rawLogs.join('\n');
    expect(rt.rawLogs.length).toBeGreaterThan(10);
    for (const f of forms) {
      expect(logText.includes(f), `log contains ${f.slice(0, 12)}…`).toBe(false);
      for (const r of replies) expect(r.includes(f), `reply contains ${f.slice(0, 12)}…`).toBe(false);
    }
  });
});

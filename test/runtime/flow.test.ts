/**
 * The runtime end to end over real sockets: a tenant connects the shipped stripe connector
 * to a local Stripe-shaped provider, calls actions, syncs a stream, reads records and the
 * change feed, sees its runs and schedules a stream. Credentials never come back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeStripe, type FakeStripe } from './fake-stripe.js';
import { connectStripe, startRuntime, waitFor, type TestRuntime } from './helpers.js';

describe('runtime: connections, actions, syncs, reads, schedules', () => {
  let rt: TestRuntime;
  let stripe: FakeStripe;
  let key: string;
  let conn: any;

  beforeAll(async () => {
    stripe = await startFakeStripe({ customers: 250 });
    rt = await startRuntime();
    key = await rt.keyFor('acme');
  });
  afterAll(async () => {
    await rt?.close();
    await stripe?.close();
  });

  it('lists and describes connectors with JSON Schema forms and no secrets', async () => {
    const list = await rt.call('GET', '/v1/connectors', { key });
    expect(list.status).toBe(200);
    expect(list.body.connectors.map((c: any) => c.id)).toEqual(expect.arrayContaining(['github', 'hubspot', 'slack', 'stripe']));
    const one = await rt.call('GET', '/v1/connectors/stripe', { key });
    expect(one.status).toBe(200);
    expect(one.body.config_schema.properties).toHaveProperty('account_id');
    // The summary and the full description name the connector alike.
    const identity = { id: 'stripe', name: 'Stripe', categories: ['payments', 'billing'], description: expect.stringMatching(/\S/) };
    expect(one.body).toMatchObject(identity);
    expect(list.body.connectors.find((c: any) => c.id === 'stripe')).toMatchObject({ ...identity, auth_types: expect.arrayContaining(['bearer', 'oauth2']), webhooks: true });
    const apiKey = one.body.auth.methods.find((m: any) => m.name === 'api_key');
    expect(apiKey).toMatchObject({ type: 'bearer', credentials_schema: { required: ['api_key'] } });
    const oauth = one.body.auth.methods.find((m: any) => m.type === 'oauth2');
    expect(oauth).toMatchObject({ grant: 'authorization_code', pkce: false, scopes: ['read_write'] });
    expect(one.body.actions.find((a: any) => a.name === 'create_customer').input_schema.properties).toHaveProperty('email');
    expect(one.body.streams.find((s: any) => s.name === 'customers')).toMatchObject({ primary_key: ['id'], marks_deleted: true });
    expect(one.body.webhooks.verification).toBe('hmac');
    const missing = await rt.call('GET', '/v1/connectors/nope', { key });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('connector_not_found');
  });

  it('creates a connection only after its check passes, and never returns the credentials', async () => {
    const refused = await rt.call('POST', '/v1/connections', {
      key, body: { connector: 'stripe', name: 'bad', credentials: { api_key: 'sk_test_wrongKEY999' }, base_url: stripe.url },
    });
    expect(refused.status).toBe(424);
    expect(refused.body).toMatchObject({ code: 'provider_auth', provider_status: 401 });
    expect(refused.text).not.toContain('sk_test_wrongKEY999');
    expect((await rt.call('GET', '/v1/connections', { key })).body.connections).toEqual([]);

    conn = await connectStripe(rt, 'acme', stripe.url);
    expect(conn).toMatchObject({ tenant: 'acme', connector: 'stripe', name: 'main', status: 'active', credential_fields: ['api_key'], base_url: stripe.url });
    expect(JSON.stringify(conn)).not.toContain('sk_test_good123');
    expect(stripe.seen.some((r) => r.path === '/v1/account' && r.authorization === 'Bearer sk_test_good123')).toBe(true);

    const dup = await rt.call('POST', '/v1/connections', { key, body: { connector: 'stripe', name: 'main', credentials: { api_key: 'sk_test_good123' }, base_url: stripe.url } });
    expect(dup.status).toBe(409);

    const got = await rt.call('GET', `/v1/connections/${conn.id}`, { key });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(conn);
    const listed = await rt.call('GET', '/v1/connections?connector=stripe', { key });
    expect(listed.body.connections.map((c: any) => c.id)).toEqual([conn.id]);
  });

  it('calls an action with its input and maps provider errors to problems', async () => {
    const made = await rt.call('POST', `/v1/connections/${conn.id}/actions/create_customer`, { key, body: { email: 'new@example.com', name: 'New One' } });
    expect(made.status).toBe(200);
    expect(made.body.output).toMatchObject({ email: 'new@example.com', name: 'New One' });
    const sent = stripe.seen.filter((r) => r.method === 'POST' && r.path === '/v1/customers').at(-1)!;
    expect(new URLSearchParams(sent.body).get('email')).toBe('new@example.com');

    const invalid = await rt.call('POST', `/v1/connections/${conn.id}/actions/get_customer`, { key, body: { id: 'not-a-customer' } });
    expect(invalid.status).toBe(422);
    expect(invalid.body.code).toBe('validation_failed');
    expect(invalid.body.errors).toEqual([expect.objectContaining({ path: 'input.id' })]);

    const gone = await rt.call('POST', `/v1/connections/${conn.id}/actions/get_customer`, { key, body: { id: 'cus_missing' } });
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ code: 'provider_not_found', provider_code: 'resource_missing', provider_status: 404 });

    const noAction = await rt.call('POST', `/v1/connections/${conn.id}/actions/launch_rocket`, { key, body: {} });
    expect(noAction.status).toBe(404);
    expect(noAction.body.code).toBe('action_not_found');

    stripe.override.set('/v1/customers/cus_0001', {
      status: 429, body: { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests' } },
      headers: { 'retry-after': '7', 'stripe-should-retry': 'false' },
    });
    const limited = await rt.call('POST', `/v1/connections/${conn.id}/actions/get_customer`, { key, body: { id: 'cus_0001' } });
    stripe.override.delete('/v1/customers/cus_0001');
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('provider_rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('syncs a stream in the background (202), then reads records, changes and runs', async () => {
    const started = await rt.call('POST', `/v1/connections/${conn.id}/streams/customers/sync`, { key });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ connection_id: conn.id, stream: 'customers', trigger: 'manual' });
    expect(started.headers.get('location')).toBe(`/v1/runs/${started.body.id}`);
    const run = await waitFor(async () => {
      const r = await rt.call('GET', `/v1/runs/${started.body.id}`, { key });
      return r.body.status === 'running' ? undefined : r.body;
    }, 'the sync to finish');
    expect(run).toMatchObject({ status: 'success', records: { read: 251, written: 251, pages: 3 } });

    const page1 = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/records?limit=200`, { key });
    expect(page1.status).toBe(200);
    expect(page1.body.records).toHaveLength(200);
    expect(page1.body.records[0]).toMatchObject({ model: 'contact', data: { id: expect.stringMatching(/^cus_/) } });
    const page2 = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/records?limit=200&cursor=${encodeURIComponent(page1.body.next_cursor)}`, { key });
    expect(page2.body.records).toHaveLength(51);
    expect(page2.body).toMatchObject({ next_cursor: null, has_more: false });

    // Queries on the stored records: a field filter, a range, one record by id.
    const one = page1.body.records[7];
    const byEmail = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/records?filter[email]=${encodeURIComponent(one.data.email)}`, { key });
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.records.map((r: { id: string }) => r.id)).toEqual([one.id]);
    const ranged = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/records?filter[email][gte]=c250&filter[email][lt]=c251&limit=5`, { key });
    expect(ranged.body.records.map((r: { data: { email: string } }) => r.data.email)).toEqual(['c250@example.com']);
    const since = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/records?updated_since=2999-01-01T00:00:00Z`, { key });
    expect(since.body).toEqual({ records: [], next_cursor: null, has_more: false });
    const got = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/records/${one.id}`, { key });
    expect(got.status).toBe(200);
    expect(got.body.record).toEqual(one);
    const missing = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/records/cus_nope`, { key });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('record_not_found');
    const badOp = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/records?filter[email][like]=x`, { key });
    expect(badOp.status).toBe(400);
    expect(badOp.body).toMatchObject({ code: 'invalid_filter' });
    expect(badOp.body.detail).toMatch(/filter\[email\]\[like\]: unknown operator "like"/);
    const badKey = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/records?filters[email]=x`, { key });
    expect(badKey.status).toBe(400);
    expect(badKey.body.code).toBe('invalid_query');

    const changes = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/changes?limit=1000`, { key });
    expect(changes.body.changes).toHaveLength(251);
    expect(changes.body.changes[0].action).toBe('added');
    const none = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/changes?cursor=${changes.body.next_cursor}`, { key });
    expect(none.body).toEqual({ changes: [], next_cursor: changes.body.next_cursor, has_more: false });
    // The deprecated plain-sequence `since` still reads the same point of the feed.
    const lastSeq = changes.body.changes.at(-1).seq;
    expect((await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/changes?since=${lastSeq}`, { key })).body).toEqual(none.body);

    stripe.customers.shift();
    const waited = await rt.call('POST', `/v1/connections/${conn.id}/streams/customers/sync?wait=true`, { key });
    expect(waited.status).toBe(200);
    expect(waited.body).toMatchObject({ status: 'success', records: { deleted: 1 } });
    const after = await rt.call('GET', `/v1/connections/${conn.id}/streams/customers/changes?cursor=${changes.body.next_cursor}`, { key });
    expect(after.body.changes.map((c: any) => c.action)).toEqual(['deleted']);

    const runs = await rt.call('GET', `/v1/connections/${conn.id}/runs?stream=customers`, { key });
    expect(runs.body.runs.map((r: any) => r.id)).toEqual([waited.body.id, started.body.id]);

    const badStream = await rt.call('POST', `/v1/connections/${conn.id}/streams/nope/sync`, { key });
    expect(badStream.status).toBe(404);
    expect(badStream.body.code).toBe('stream_not_found');
  });

  it('schedules a stream with an interval or a cron expression', async () => {
    const base = `/v1/connections/${conn.id}/streams/customers/schedule`;
    expect((await rt.call('GET', base, { key })).status).toBe(404);
    const set = await rt.call('PUT', base, { key, body: { every: '15m' } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ stream: 'customers', every_ms: 900_000, enabled: true });
    const cron = await rt.call('PUT', base, { key, body: { cron: '0 * * * *', timezone: 'UTC' } });
    expect(cron.body).toMatchObject({ cron: '0 * * * *' });
    expect(cron.body.every_ms).toBeUndefined();
    const both = await rt.call('PUT', base, { key, body: { every: '1h', cron: '0 * * * *' } });
    expect(both.status).toBe(422);
    const tooFast = await rt.call('PUT', base, { key, body: { every: 10 } });
    expect(tooFast.status).toBe(422);
    expect((await rt.call('GET', base, { key })).body.cron).toBe('0 * * * *');
    expect((await rt.call('DELETE', base, { key })).status).toBe(204);
    expect((await rt.call('DELETE', base, { key })).status).toBe(404);
  });

  it('checks, updates and disconnects a connection', async () => {
    const ok = await rt.call('POST', `/v1/connections/${conn.id}/check`, { key });
    expect(ok.body).toMatchObject({ ok: true, output: { account_id: 'acct_fake' } });

    const renamed = await rt.call('PATCH', `/v1/connections/${conn.id}`, { key, body: { name: 'primary' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('primary');

    const badKey = await rt.call('PATCH', `/v1/connections/${conn.id}`, { key, body: { credentials: { api_key: 'sk_test_revokedKEY1' } } });
    expect(badKey.status).toBe(424);
    expect(badKey.text).not.toContain('sk_test_revokedKEY1');

    stripe.keys.delete('sk_test_good123');
    const failing = await rt.call('POST', `/v1/connections/${conn.id}/check`, { key });
    expect(failing.body).toMatchObject({ ok: false, error: { kind: 'auth', provider_status: 401 } });
    expect((await rt.call('GET', `/v1/connections/${conn.id}`, { key })).body.status).toBe('error');
    stripe.keys.add('sk_test_rotated456');
    const rotated = await rt.call('PATCH', `/v1/connections/${conn.id}`, { key, body: { credentials: { api_key: 'sk_test_rotated456' } } });
    expect(rotated.body.status).toBe('active');

    const gone = await rt.call('DELETE', `/v1/connections/${conn.id}`, { key });
    expect(gone.body).toMatchObject({ status: 'disconnected', credential_fields: [] });
    const call = await rt.call('POST', `/v1/connections/${conn.id}/actions/get_customer`, { key, body: { id: 'cus_0002' } });
    expect(call.status).toBe(409);
    expect(call.body.code).toBe('connection_disconnected');
    const back = await rt.call('PATCH', `/v1/connections/${conn.id}`, { key, body: { credentials: { api_key: 'sk_test_rotated456' } } });
    expect(back.body).toMatchObject({ status: 'active', credential_fields: ['api_key'] });
  });
});

describe('runtime: base URL overrides are an operator decision', () => {
  it('refuses base_url unless the server allows it', async () => {
    const rt = await startRuntime({ allowBaseUrlOverride: false });
    try {
      const key = await rt.keyFor('acme');
      const res = await rt.call('POST', '/v1/connections', { key, body: { connector: 'stripe', name: 'x', credentials: { api_key: 'sk_test_abc1' }, base_url: 'http://127.0.0.1:9' } });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'base_url_not_allowed', errors: [{ path: 'body.base_url' }] });
    } finally {
      await rt.close();
    }
  });
});

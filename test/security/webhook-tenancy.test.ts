/**
 * Two tenants and an anonymous sender against the real runtime over sockets: a tenant who
 * claims another tenant's provider account (typed config, skip_check, or a check the
 * provider answers with another account) never receives that account's deliveries, verified
 * or refused; a forged delivery leaves no body anywhere a tenant can read; a batched
 * delivery is split across the accounts' connections and an unknown account's event is
 * refused while the others are stored.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime, type TestRuntime } from '../runtime/helpers.js';

/** Stripe's GET /v1/account and HubSpot's account details, answering the account behind each key. */
async function startFakeProvider(accounts: Record<string, string>, portals: Record<string, number>) {
  const server = http.createServer((req, res) => {
    const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/v1/account' && accounts[key]) return send(200, { id: accounts[key], object: 'account', email: 'owner@example.com', country: 'US' });
    if (req.url === '/account-info/v3/details' && portals[key]) return send(200, { portalId: portals[key], timeZone: 'US/Eastern', uiDomain: 'app.hubspot.com', dataHostingLocation: 'na1' });
    return send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' }, status: 'error', message: 'Authentication credentials not found', category: 'INVALID_AUTHENTICATION' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const ALICE_SECRET = 'whsec_alice_endpoint_5f2a9c';
const MALLORY_SECRET = 'whsec_mallory_endpoint_77aa1';
const APP_SECRET = 'hubspot-app-client-secret-9d1e';
const CANARY = 'alice.private.customer@example.com';
const stripe = new Stripe('sk_test_unused');
const stripeSign = (payload: string, secret: string) => ({ 'content-type': 'application/json', 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret }) });

describe('webhook tenancy: nobody receives another tenant\'s deliveries', () => {
  let rt: TestRuntime;
  let provider: Awaited<ReturnType<typeof startFakeProvider>>;
  const conns: Record<string, string> = {};

  const create = async (tenant: string, body: Record<string, unknown>) => {
    const res = await rt.call('POST', '/v1/connections', { key: await rt.keyFor(tenant), body: { base_url: provider.url, ...body } });
    expect(res.status, res.text).toBe(201);
    return res.body as { id: string; settings?: Record<string, unknown> };
  };
  const events = async (tenant: string) => {
    const res = await rt.call('GET', '/v1/webhook-events?limit=1000', { key: await rt.keyFor(tenant) });
    expect(res.status).toBe(200);
    const full = [];
    for (const e of res.body.events) full.push((await rt.call('GET', `/v1/webhook-events/${e.id}`, { key: await rt.keyFor(tenant) })).body);
    return full;
  };

  beforeAll(async () => {
    provider = await startFakeProvider(
      { sk_test_alice: 'acct_1Alice', sk_test_mallory: 'acct_1Mallory' },
      { 'pat-na1-alice': 111, 'pat-na1-bob': 222, 'pat-na1-mallory': 999 },
    );
    rt = await startRuntime();
    const alice = await create('alice', { connector: 'stripe', name: 'main', credentials: { api_key: 'sk_test_alice', webhook_secret: ALICE_SECRET } });
    expect(alice.settings).toMatchObject({ account_id: 'acct_1Alice' });
    conns.alice = alice.id;
    // Mallory types Alice's account id: once without a check, once with a check the provider answers with her own account.
    conns.malloryTyped = (await create('mallory', { connector: 'stripe', name: 'typed', config: { account_id: 'acct_1Alice' }, credentials: { api_key: 'sk_test_nokey', webhook_secret: MALLORY_SECRET }, skip_check: true })).id;
    const checked = await create('mallory', { connector: 'stripe', name: 'checked', config: { account_id: 'acct_1Alice' }, credentials: { api_key: 'sk_test_mallory', webhook_secret: ALICE_SECRET } });
    expect(checked.settings).toMatchObject({ account_id: 'acct_1Mallory' });
    conns.malloryChecked = checked.id;
    conns.hsAlice = (await create('alice', { connector: 'hubspot', name: 'hs', auth: 'private_app', credentials: { token: 'pat-na1-alice', client_secret: APP_SECRET } })).id;
    conns.hsBob = (await create('bob', { connector: 'hubspot', name: 'hs', auth: 'private_app', credentials: { token: 'pat-na1-bob', client_secret: APP_SECRET } })).id;
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
    await provider?.close();
  });

  it('a verified Connect delivery for Alice\'s account reaches only Alice, whatever Mallory claimed', async () => {
    const payload = JSON.stringify({ id: 'evt_alice_1', object: 'event', type: 'customer.created', account: 'acct_1Alice', data: { object: { id: 'cus_A', object: 'customer', email: CANARY } } });
    const res = await rt.call('POST', '/v1/webhooks/stripe', { headers: stripeSign(payload, ALICE_SECRET), raw: payload });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ ok: true, received: 1 });
    const mine = await events('alice');
    expect(mine.map((e) => [e.connection_id, e.provider_event_id])).toEqual([[conns.alice, 'evt_alice_1']]);
    expect(JSON.stringify(await events('mallory'))).not.toContain('evt_alice_1');
  });

  it('a forged delivery to the shared URL is only counted for the operator: no body anywhere, no tenant sees it', async () => {
    const payload = JSON.stringify({ id: 'evt_forged_1', object: 'event', type: 'customer.updated', account: 'acct_1Alice', data: { object: { id: 'cus_A', email: CANARY, note: 'forged' } } });
    const res = await rt.call('POST', '/v1/webhooks/stripe', { headers: stripeSign(payload, 'whsec_guess'), raw: payload });
    expect(res.status).toBe(401);
    for (const tenant of ['alice', 'mallory', 'bob']) expect(JSON.stringify(await events(tenant))).not.toContain('forged');
    const knex = rt.running.platform.store.knex;
    const rows = [...await knex('webhook_events').select('payload', 'headers', 'sender_event_id'), ...await knex('webhook_payloads').select('body')];
    expect(JSON.stringify(rows)).not.toContain('forged');
    expect(JSON.stringify(rows)).not.toContain('evt_forged_1');

    // Mallory signs with her own secret for Alice's account: still nobody's.
    const mallory = JSON.stringify({ id: 'evt_mallory_1', object: 'event', type: 'customer.created', account: 'acct_1Alice', data: { object: { id: 'cus_M' } } });
    expect((await rt.call('POST', '/v1/webhooks/stripe', { headers: stripeSign(mallory, MALLORY_SECRET), raw: mallory })).status).toBe(401);
    expect(JSON.stringify(await events('alice'))).not.toContain('evt_mallory_1');

    const denied = await rt.call('GET', '/v1/webhook-rejections', { key: await rt.keyFor('alice') });
    expect(denied.status).toBe(403);
    const ops = await rt.call('GET', '/v1/webhook-rejections?connector=stripe', { key: rt.adminKey });
    expect(ops.status, ops.text).toBe(200);
    expect(ops.body.rejections).toEqual([expect.objectContaining({ connector: 'stripe', reason: 'bad_signature', count: 2 })]);
    expect(ops.body.rejections[0].connection_id).toBeUndefined();
  });

  it('a forged delivery to a per-connection URL leaves metadata on that connection only, with the sender\'s id and no body', async () => {
    const payload = JSON.stringify({ id: 'evt_forged_2', object: 'event', type: 'customer.updated', data: { object: { email: CANARY, note: 'forged-2' } } });
    expect((await rt.call('POST', `/v1/webhooks/stripe/${conns.alice}`, { headers: stripeSign(payload, 'whsec_guess'), raw: payload })).status).toBe(401);
    const rejected = (await events('alice')).filter((e) => e.status === 'rejected');
    expect(rejected).toEqual([expect.objectContaining({ connection_id: conns.alice, provider_event_id: 'evt_forged_2', reason: 'bad_signature', payload: { body_bytes: Buffer.byteLength(payload), header_names: expect.arrayContaining(['content-type', 'stripe-signature']) } })]);
    expect(JSON.stringify(rejected)).not.toContain('forged-2');
    // The real event with that id is still accepted: a forgery never makes it a duplicate.
    const real = await rt.call('POST', `/v1/webhooks/stripe/${conns.alice}`, { headers: stripeSign(payload, ALICE_SECRET), raw: payload });
    expect(real.body).toMatchObject({ received: 1, duplicates: 0 });
  });

  it('a HubSpot batch is split per portal across tenants; an unknown portal\'s event is refused, the others stored', async () => {
    const batch = [
      { eventId: 1, subscriptionId: 7, portalId: 111, occurredAt: 1_700_000_000_000, subscriptionType: 'contact.creation', attemptNumber: 0, objectId: 5001, changeSource: 'CRM' },
      { eventId: 2, subscriptionId: 7, portalId: 222, occurredAt: 1_700_000_000_001, subscriptionType: 'contact.creation', attemptNumber: 0, objectId: 6001, changeSource: 'CRM' },
      { eventId: 3, subscriptionId: 7, portalId: 999, occurredAt: 1_700_000_000_002, subscriptionType: 'contact.creation', attemptNumber: 0, objectId: 9001, changeSource: 'CRM' },
    ];
    const body = JSON.stringify(batch);
    const ts = String(Date.now());
    const sig = createHmac('sha256', APP_SECRET).update(`POST${rt.url}/v1/webhooks/hubspot${body}${ts}`).digest('base64');
    const res = await rt.call('POST', '/v1/webhooks/hubspot', { headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': ts }, raw: body });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ ok: true, received: 2, duplicates: 0, refused: 1 });
    const alice = (await events('alice')).filter((e) => e.connector === 'hubspot');
    const bob = (await events('bob')).filter((e) => e.connector === 'hubspot');
    expect(alice.map((e) => [e.connection_id, e.payload.objectId])).toEqual([[conns.hsAlice, 5001]]);
    expect(bob.map((e) => [e.connection_id, e.payload.objectId])).toEqual([[conns.hsBob, 6001]]);
    // Each sees the batch as its own events only: nothing of the other portal, nothing of the unknown one.
    expect(alice[0].body).toEqual([batch[0]]);
    expect(bob[0].body).toEqual([batch[1]]);
    const all = JSON.stringify(await rt.running.platform.store.knex('webhook_events').select('payload'));
    expect(all).not.toContain('9001');
  });

  it('with the operator\'s connector-level secret set, a shared-URL delivery is verified before any connection is chosen', async () => {
    const OPERATOR = 'whsec_platform_connect_endpoint_31c';
    expect((await rt.call('PUT', '/v1/connectors/stripe/secrets', { key: await rt.keyFor('alice'), body: { connect_webhook_secret: OPERATOR } })).status).toBe(403);
    const bad = await rt.call('PUT', '/v1/connectors/stripe/secrets', { key: rt.adminKey, body: { webhook_secret: 'whsec_x' } });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('invalid_connector_secrets');
    const set = await rt.call('PUT', '/v1/connectors/stripe/secrets', { key: rt.adminKey, body: { connect_webhook_secret: OPERATOR } });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toMatchObject({ connector: 'stripe', set: ['connect_webhook_secret'] });
    expect(set.text).not.toContain(OPERATOR);
    expect((await rt.call('GET', '/v1/connectors/stripe/secrets', { key: rt.adminKey })).text).not.toContain(OPERATOR);

    const payload = JSON.stringify({ id: 'evt_platform_1', object: 'event', type: 'customer.created', account: 'acct_1Alice', data: { object: { id: 'cus_P', object: 'customer' } } });
    const ok = await rt.call('POST', '/v1/webhooks/stripe', { headers: stripeSign(payload, OPERATOR), raw: payload });
    expect(ok.status, ok.text).toBe(200);
    expect((await events('alice')).map((e) => e.provider_event_id)).toContain('evt_platform_1');
    // The operator's secret is now the only one the shared URL accepts; a connection's own secret no longer does.
    const other = JSON.stringify({ id: 'evt_platform_2', object: 'event', type: 'customer.created', account: 'acct_1Alice', data: { object: { id: 'cus_Q' } } });
    expect((await rt.call('POST', '/v1/webhooks/stripe', { headers: stripeSign(other, ALICE_SECRET), raw: other })).status).toBe(401);
    // Verified first, then routed: an account nobody proved is a 404, not a tenant's rejected row.
    const stranger = JSON.stringify({ id: 'evt_platform_3', object: 'event', type: 'customer.created', account: 'acct_1Nobody', data: { object: { id: 'cus_R' } } });
    expect((await rt.call('POST', '/v1/webhooks/stripe', { headers: stripeSign(stranger, OPERATOR), raw: stranger })).status).toBe(404);
    for (const tenant of ['alice', 'mallory']) expect(JSON.stringify(await events(tenant))).not.toMatch(/evt_platform_[23]/);
  });

  it('new credentials without a new check drop the proof: the connection stops receiving connector-level deliveries', async () => {
    const patched = await rt.call('PATCH', `/v1/connections/${conns.alice}`, { key: await rt.keyFor('alice'), body: { credentials: { api_key: 'sk_test_mallory' }, merge_credentials: true, skip_check: true } });
    expect(patched.status, patched.text).toBe(200);
    const payload = JSON.stringify({ id: 'evt_after_patch', object: 'event', type: 'customer.created', account: 'acct_1Alice', data: { object: { id: 'cus_Z' } } });
    expect((await rt.call('POST', '/v1/webhooks/stripe', { headers: stripeSign(payload, 'whsec_platform_connect_endpoint_31c'), raw: payload })).status).toBe(404);
    // A check with the new key proves another account: routing follows the provider, not the tenant.
    const rechecked = await rt.call('PATCH', `/v1/connections/${conns.alice}`, { key: await rt.keyFor('alice'), body: { name: 'main' } });
    expect(rechecked.status, rechecked.text).toBe(200);
    expect(rechecked.body.settings).toMatchObject({ account_id: 'acct_1Mallory' });
    expect((await rt.call('POST', '/v1/webhooks/stripe', { headers: stripeSign(payload, 'whsec_platform_connect_endpoint_31c'), raw: payload })).status).toBe(404);
  });

  it("HubSpot's connector-level URL verifies with the operator's OAuth app client secret, before resolution", async () => {
    const { OAuthApps } = await import('../../engine/platform/oauth/apps.js');
    const { OAuthAppsRepo } = await import('../../engine/platform/store/oauth-apps.js');
    const platform = rt.running.platform;
    await new OAuthApps(new OAuthAppsRepo(platform.store, platform.vault), {}).set('hubspot', { clientId: 'hs-app', clientSecret: 'operator-app-secret-4f1' });
    const batch = [{ eventId: 10, subscriptionId: 7, portalId: 222, occurredAt: 1_700_000_000_010, subscriptionType: 'contact.creation', attemptNumber: 0, objectId: 6010 }];
    const body = JSON.stringify(batch);
    const send = (secret: string) => {
      const ts = String(Date.now());
      const sig = createHmac('sha256', secret).update(`POST${rt.url}/v1/webhooks/hubspot${body}${ts}`).digest('base64');
      return rt.call('POST', '/v1/webhooks/hubspot', { headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': ts }, raw: body });
    };
    // The app record is read at most every two seconds; poll until this process sees it.
    const until = Date.now() + 10_000;
    let res = await send('operator-app-secret-4f1');
    while (res.status !== 200 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      res = await send('operator-app-secret-4f1');
    }
    expect(res.status, res.text).toBe(200);
    expect((await events('bob')).map((e) => e.payload?.objectId)).toContain(6010);
    // A connection's own client secret no longer verifies the shared URL.
    expect((await send(APP_SECRET)).status).toBe(401);
  });
});

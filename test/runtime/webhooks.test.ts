/**
 * Webhook intake end to end over a listening server: deliveries signed by each provider's
 * own code are acknowledged only once stored, processed into records and normalized events,
 * and those events reach a subscribed receiver signed per Standard Webhooks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { startReceiver, type Receiver } from '../deliveries/helpers.js';
import {
  githubDelivery, hubspotDelivery, issuePayload, post, slackDelivery, startIntakeWorld, stdDelivery, stripeDelivery,
  HUBSPOT_PORTAL, SLACK_TEAM, STRIPE_ACCOUNT, TENANT, type IntakeWorld,
} from '../deliveries/intake-fixtures.js';

describe('webhook intake over HTTP', () => {
  let w: IntakeWorld;
  let receiver: Receiver;
  let subscription: { id: string; secret: string };

  beforeAll(async () => {
    w = await startIntakeWorld();
    receiver = await startReceiver();
    const res = await w.rt.call('POST', '/v1/subscriptions', { key: w.key, body: { url: receiver.url, events: ['ticket.*', 'contact.*', 'message.*', 'thing.*'], description: 'host app' } });
    expect(res.status, res.text).toBe(201);
    subscription = res.body;
  }, 60_000);
  afterAll(async () => {
    await w?.close();
    await receiver?.close();
  });

  const platform = () => w.rt.running.platform;
  const verifiedDeliveries = () => receiver.received.map((r) => new Webhook(subscription.secret).verify(r.body, r.headers as Record<string, string>) as { id: string; type: string; data: any });

  it('GitHub: a delivery signed by @octokit/webhooks-methods is stored, processed into a record and an event delivered to subscribers', async () => {
    const d = await githubDelivery(w.conns.github, issuePayload(7001));
    const res = await post(w.rt, d);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ ok: true, received: 1, duplicates: 0 });

    expect(await platform().webhooks.drain()).toBe(1);
    const records = await platform().records.list(w.conns.github, 'issues');
    expect(records.items.map((r) => r.id)).toContain('7001');

    const before = receiver.received.length;
    await platform().deliveries.runOnce();
    const sent = verifiedDeliveries().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ type: 'ticket.created', connector: 'github', connection: w.conns.github, model: 'ticket', data: { id: '7001', title: 'Printer on fire' }, raw: { id: 7001, title: 'Printer on fire' } });
    expect(receiver.received.at(-1)!.headers['webhook-id']).toBe(sent[0].id);

    // The event log shows it, with the payload byte for byte.
    const list = await w.rt.call('GET', `/v1/webhook-events?connection=${w.conns.github}&type=issues.*&status=processed`, { key: w.key });
    expect(list.status, list.text).toBe(200);
    expect(list.body.events).toHaveLength(1);
    const [summary] = list.body.events;
    expect(summary).toMatchObject({ connector: 'github', connection_id: w.conns.github, provider_event_id: d.headers['x-github-delivery'], type: 'issues.opened', status: 'processed', attempts: 1 });
    expect(summary.payload).toBeUndefined();
    const one = await w.rt.call('GET', `/v1/webhook-events/${summary.id}`, { key: w.key });
    expect(one.status).toBe(200);
    expect(one.body.payload).toEqual(JSON.parse(d.body));
    expect(one.body.headers['x-github-event']).toBe('issues');

    // The same delivery again is acknowledged but not stored or processed twice.
    const again = await post(w.rt, d);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ok: true, received: 0, duplicates: 1 });
    expect(await platform().webhooks.drain()).toBe(0);

    // A replay runs the routes again; the event it emits keeps its id, so it is not delivered twice.
    const replayed = await w.rt.call('POST', `/v1/webhook-events/${summary.id}/replay`, { key: w.key });
    expect(replayed.status, replayed.text).toBe(200);
    expect(replayed.body).toMatchObject({ id: summary.id, status: 'processed' });
    await platform().deliveries.runOnce();
    expect(verifiedDeliveries().filter((e) => e.id === sent[0].id)).toHaveLength(1);

    // Another tenant sees none of it.
    const otherKey = await w.rt.keyFor('globex');
    expect((await w.rt.call('GET', `/v1/webhook-events/${summary.id}`, { key: otherKey })).status).toBe(404);
    expect((await w.rt.call('POST', `/v1/webhook-events/${summary.id}/replay`, { key: otherKey })).status).toBe(404);
    expect((await w.rt.call('GET', '/v1/webhook-events', { key: otherKey })).body.events).toEqual([]);
    expect((await w.rt.call('GET', '/v1/webhook-events')).status).toBe(401);
  });

  it('Stripe: generateTestHeaderString signatures, on the connector-level URL (found by account) and the connection URL', async () => {
    const customer = (id: string) => ({ id, object: 'customer', email: `${id}@example.com`, name: 'Ada', created: 1_700_000_000, livemode: false, metadata: {} });
    const viaAccount = stripeDelivery('', { id: 'evt_intake_1', object: 'event', type: 'customer.created', account: STRIPE_ACCOUNT, data: { object: customer('cus_A') } });
    const viaConnection = stripeDelivery(`/${w.conns.stripe}`, { id: 'evt_intake_2', object: 'event', type: 'customer.updated', data: { object: customer('cus_B') } });
    expect((await post(w.rt, viaAccount)).status).toBe(200);
    expect((await post(w.rt, viaConnection)).status).toBe(200);
    expect(await platform().webhooks.drain()).toBe(2);
    const ids = (await platform().records.list(w.conns.stripe, 'customers')).items.map((r) => r.id).sort();
    expect(ids).toEqual(['cus_A', 'cus_B']);
    const before = receiver.received.length;
    await platform().deliveries.runOnce();
    expect(verifiedDeliveries().slice(before).map((e) => e.type).sort()).toEqual(['contact.created', 'contact.updated']);

    // An account no connection has is a 404, and nothing is stored.
    const stranger = stripeDelivery('', { id: 'evt_intake_3', type: 'customer.created', account: 'acct_nobody', data: { object: customer('cus_C') } });
    expect((await post(w.rt, stranger)).status).toBe(404);
  });

  it("Slack: the url_verification handshake is answered with its challenge, and event_callbacks are routed by team", async () => {
    const challenge = slackDelivery({ token: 'legacy', challenge: 'c-3f9a', type: 'url_verification' });
    const hs = await post(w.rt, challenge);
    expect(hs.status).toBe(200);
    expect(hs.body).toEqual({ challenge: 'c-3f9a' });
    expect(hs.headers.get('content-type')).toMatch(/^application\/json/);
    // The handshake is verified like anything else.
    expect((await post(w.rt, challenge, { headers: { 'x-slack-signature': `v0=${'0'.repeat(64)}` } })).status).toBe(401);

    const msg = slackDelivery({
      type: 'event_callback', team_id: SLACK_TEAM, api_app_id: 'A1', event_id: 'Ev0INTAKE1', event_time: 1_700_000_000,
      event: { type: 'message', channel: 'C1', user: 'U1', text: 'hello from slack', ts: '1700000000.000100' },
    });
    const res = await post(w.rt, msg);
    expect(res.status, res.text).toBe(200);
    expect(await platform().webhooks.drain()).toBe(1);
    const records = await platform().records.list(w.conns.slack, 'messages');
    expect(records.items.map((r) => r.data)).toContainEqual(expect.objectContaining({ id: 'C1:1700000000.000100', text: 'hello from slack' }));
  });

  it('HubSpot: v3 signatures over method, URL, body and timestamp; a batch is split into events', async () => {
    const events = [101, 102].map((objectId, i) => ({
      eventId: 9000 + i, subscriptionId: 55, portalId: Number(HUBSPOT_PORTAL), occurredAt: Date.now(), subscriptionType: 'contact.deletion', attemptNumber: 0, objectId, changeSource: 'CRM',
    }));
    const res = await post(w.rt, hubspotDelivery(w.rt.url, w.conns.hubspot, events));
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ received: 2 });
    expect(await platform().webhooks.drain()).toBe(2);
    const list = await w.rt.call('GET', `/v1/webhook-events?connection=${w.conns.hubspot}`, { key: w.key });
    expect(list.body.events.map((e: any) => [e.type, e.status])).toEqual([['contact.deletion', 'processed'], ['contact.deletion', 'processed']]);
  });

  it('Standard Webhooks: a delivery signed by the standardwebhooks package is accepted', async () => {
    const d = stdDelivery(w.conns.std, { id: 'th_1', type: 'thing.created', data: { id: 'th_1', name: 'widget' } } as { id: string });
    const res = await post(w.rt, d);
    expect(res.status, res.text).toBe(200);
    expect(await platform().webhooks.drain()).toBe(1);
    expect((await platform().records.list(w.conns.std, 'things')).items.map((r) => r.id)).toEqual(['th_1']);
  });

  it('subscriptions API: the secret is shown once, deliveries are listed with attempts, and can be redelivered', async () => {
    await platform().deliveries.runOnce(); // what the earlier tests queued
    const list = await w.rt.call('GET', '/v1/subscriptions', { key: w.key });
    expect(list.status).toBe(200);
    expect(list.body.subscriptions).toEqual([expect.objectContaining({ id: subscription.id, url: receiver.url, description: 'host app', status: 'active' })]);
    expect(list.text).not.toContain(subscription.secret.slice(6));
    const one = await w.rt.call('GET', `/v1/subscriptions/${subscription.id}`, { key: w.key });
    expect(one.body.secret).toBeUndefined();

    const page = await w.rt.call('GET', `/v1/subscriptions/${subscription.id}/deliveries?status=delivered&limit=2`, { key: w.key });
    expect(page.status, page.text).toBe(200);
    expect(page.body.deliveries).toHaveLength(2);
    expect(page.body).toMatchObject({ next_cursor: expect.any(String), has_more: true });
    const forged = await w.rt.call('GET', `/v1/subscriptions/${subscription.id}/deliveries?cursor=garbage`, { key: w.key });
    expect(forged.status, forged.text).toBe(400);
    expect(forged.body).toMatchObject({ code: 'invalid_cursor', errors: [{ path: 'query.cursor' }] });
    const [first] = page.body.deliveries;
    expect(first.attempt_log).toEqual([expect.objectContaining({ attempt: 1, status_code: 204 })]);

    const before = receiver.received.length;
    const again = await w.rt.call('POST', `/v1/deliveries/${first.id}/redeliver`, { key: w.key });
    expect(again.status, again.text).toBe(202);
    expect(again.body).toMatchObject({ id: first.id, status: 'pending' });
    await platform().deliveries.runOnce();
    expect(receiver.received.length).toBe(before + 1);
    expect(receiver.received.at(-1)!.headers['webhook-id']).toBe(first.event_id);
    const detail = await w.rt.call('GET', `/v1/deliveries/${first.id}`, { key: w.key });
    expect(detail.body).toMatchObject({ status: 'delivered', attempts: 2, payload: { id: first.event_id } });

    const otherKey = await w.rt.keyFor('globex');
    expect((await w.rt.call('GET', `/v1/subscriptions/${subscription.id}`, { key: otherKey })).status).toBe(404);
    expect((await w.rt.call('GET', `/v1/deliveries/${first.id}`, { key: otherKey })).status).toBe(404);
    expect((await w.rt.call('POST', `/v1/deliveries/${first.id}/redeliver`, { key: otherKey })).status).toBe(404);
    expect((await w.rt.call('DELETE', `/v1/subscriptions/${subscription.id}`, { key: otherKey })).status).toBe(404);

    const bad = await w.rt.call('POST', '/v1/subscriptions', { key: w.key, body: { url: 'http://169.254.169.254/latest/meta-data', events: ['*'] } });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('invalid_body');
    expect(bad.body.detail).toMatch(/metadata/);
    const badPattern = await w.rt.call('POST', '/v1/subscriptions', { key: w.key, body: { url: receiver.url, events: ['no spaces'] } });
    expect(badPattern.status).toBe(422);

    const temp = await w.rt.call('POST', '/v1/subscriptions', { key: w.key, body: { url: receiver.url, events: ['nothing.*'] } });
    expect((await w.rt.call('DELETE', `/v1/subscriptions/${temp.body.id}`, { key: w.key })).status).toBe(204);
    expect((await w.rt.call('GET', `/v1/subscriptions/${temp.body.id}`, { key: w.key })).status).toBe(404);
    expect(TENANT).toBe('acme');
  });
});

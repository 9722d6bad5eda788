/**
 * Hostile and broken deliveries over a listening server: each is refused with a 4xx (never a
 * 500), recorded where it names a connection, and never processed.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  githubDelivery, hubspotDelivery, issuePayload, post, slackDelivery, startIntakeWorld, stdDelivery, stripeDelivery,
  SECRETS, SLACK_TEAM, STRIPE_ACCOUNT, type IntakeWorld,
} from '../deliveries/intake-fixtures.js';

const nowSec = () => Math.floor(Date.now() / 1000);

describe('webhook intake refuses bad input', () => {
  let w: IntakeWorld;
  const statuses: number[] = [];

  beforeAll(async () => {
    w = await startIntakeWorld();
  }, 60_000);
  afterAll(async () => {
    await w?.close();
  });

  const platform = () => w.rt.running.platform;
  async function send(...args: Parameters<typeof post>) {
    const res = await post(...args);
    statuses.push(res.status);
    return res;
  }
  async function rejectedReasons(connection: string): Promise<string[]> {
    const res = await w.rt.call('GET', `/v1/webhook-events?connection=${connection}&status=rejected&limit=1000`, { key: w.key });
    return res.body.events.map((e: any) => e.reason);
  }

  it('refuses wrong and missing signatures, a changed byte, and stale or future timestamps with 401, recording why', async () => {
    const gh = await githubDelivery(w.conns.github, issuePayload(1));
    expect((await send(w.rt, await githubDelivery(w.conns.github, issuePayload(1), 'issues', 'not-the-secret'))).status).toBe(401);
    const flipped = gh.body.replace('Printer', 'Printes');
    expect(flipped).not.toBe(gh.body);
    const changed = await send(w.rt, gh, { body: flipped });
    expect(changed.status).toBe(401);
    expect(changed.body).toMatchObject({ code: 'unauthorized', reason: 'bad_signature' });
    expect((await send(w.rt, gh, { headers: { 'x-hub-signature-256': undefined } })).body).toMatchObject({ code: 'unauthorized', reason: 'missing_signature' });
    expect((await send(w.rt, gh, { headers: { 'x-hub-signature-256': 'sha256=zz' } })).status).toBe(401);
    expect(await rejectedReasons(w.conns.github)).toEqual(expect.arrayContaining(['bad_signature', 'missing_signature']));

    const cust = { id: 'evt_old', type: 'customer.created', data: { object: { id: 'cus_old', object: 'customer' } } };
    const stale = await send(w.rt, stripeDelivery(`/${w.conns.stripe}`, cust, { timestamp: nowSec() - 600 }));
    expect(stale.body).toMatchObject({ code: 'unauthorized', reason: 'stale_timestamp' });
    const future = await send(w.rt, stripeDelivery(`/${w.conns.stripe}`, cust, { timestamp: nowSec() + 600 }));
    expect(future.body).toMatchObject({ code: 'unauthorized', reason: 'future_timestamp' });
    const otherSecret = await send(w.rt, stripeDelivery(`/${w.conns.stripe}`, cust, { secret: 'whsec_someoneelse' }));
    expect(otherSecret.body).toMatchObject({ code: 'unauthorized', reason: 'bad_signature' });

    const slackMsg = { type: 'event_callback', team_id: SLACK_TEAM, event_id: 'Ev0BAD', event: { type: 'message', channel: 'C1', ts: '1.0', text: 'x' } };
    expect((await send(w.rt, slackDelivery(slackMsg, { timestamp: nowSec() - 3600 }))).body).toMatchObject({ code: 'unauthorized', reason: 'stale_timestamp' });
    expect((await send(w.rt, slackDelivery(slackMsg), { headers: { 'x-slack-request-timestamp': undefined } })).body).toMatchObject({ code: 'unauthorized', reason: 'missing_timestamp' });
    expect((await send(w.rt, slackDelivery(slackMsg, { secret: 'wrong' }))).status).toBe(401);

    // HubSpot signs the URL: a delivery signed for another address does not verify here.
    expect((await send(w.rt, hubspotDelivery('https://elsewhere.example', w.conns.hubspot, [{ eventId: 1, portalId: 1, subscriptionType: 'contact.deletion', objectId: 1 }]))).status).toBe(401);
    expect((await send(w.rt, hubspotDelivery(w.rt.url, w.conns.hubspot, [{ eventId: 1 }], { timestamp: Date.now() - 3_600_000 }))).status).toBe(401);

    const std = stdDelivery(w.conns.std, { id: 'th_bad', type: 'thing.created', data: { id: 'th_bad' } } as { id: string });
    expect((await send(w.rt, std, { body: std.body.replace('th_bad', 'th_bae') })).status).toBe(401);
    expect((await send(w.rt, stdDelivery(w.conns.std, { id: 'th_old' }, { at: new Date(Date.now() - 3_600_000) }))).status).toBe(401);
    expect((await send(w.rt, stdDelivery(w.conns.std, { id: 'th_wrong' }, { secret: `whsec_${Buffer.from('another key').toString('base64')}` }))).status).toBe(401);

    expect(await platform().webhooks.drain()).toBe(0);
    expect(await platform().records.count(w.conns.github, 'issues')).toBe(0);
    expect(await platform().records.count(w.conns.std, 'things')).toBe(0);
  });

  it('refuses unknown connectors and connections, invalid JSON, empty, oversized and compressed bodies with 4xx', async () => {
    const gh = await githubDelivery(w.conns.github, issuePayload(2));
    expect((await send(w.rt, { ...gh, path: '/v1/webhooks/nosuchconnector/conn_x' })).status).toBe(404);
    expect((await send(w.rt, { ...gh, path: '/v1/webhooks/github/conn_doesnotexist' })).status).toBe(404);
    // Another connector's connection id is not this connector's connection.
    expect((await send(w.rt, { ...gh, path: `/v1/webhooks/github/${w.conns.stripe}` })).status).toBe(404);
    // GitHub has no connector-level routing.
    expect((await send(w.rt, { ...gh, path: '/v1/webhooks/github' })).status).toBe(404);

    const notJson = '{"action":"opened",';
    const signedGarbage = await githubDelivery(w.conns.github, {});
    const { sign } = await import('@octokit/webhooks-methods');
    const invalid = await send(w.rt, signedGarbage, { body: notJson, headers: { 'x-hub-signature-256': await sign(SECRETS.github, notJson) } });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ code: 'invalid_json', status: 400 });
    expect(invalid.headers.get('content-type')).toBe('application/problem+json');
    expect((await send(w.rt, gh, { body: '' })).status).toBe(400);

    const big = JSON.stringify({ ...issuePayload(3), pad: 'x'.repeat(1024 * 1024) });
    const tooBig = await send(w.rt, gh, { body: big, headers: { 'x-hub-signature-256': await sign(SECRETS.github, big) } });
    expect(tooBig.status).toBe(413);

    // Without a Content-Length the stream is cut off at the limit all the same.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${w.rt.url}${gh.path}`, { method: 'POST', headers: { ...gh.headers, 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      // The server may close the connection while we are still writing; the 413 came first.
      req.on('error', (err) => setTimeout(() => reject(err), 50));
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent < 2 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    statuses.push(chunked);
    expect(chunked).toBe(413);

    expect((await send(w.rt, gh, { headers: { 'content-encoding': 'gzip' } })).status).toBe(415);
    const get = await fetch(`${w.rt.url}${gh.path}`);
    statuses.push(get.status);
    expect(get.status).toBe(405);

    expect(await platform().webhooks.drain()).toBe(0);
    expect(await platform().records.count(w.conns.github, 'issues')).toBe(0);
  });

  it('acknowledges a replayed event id without storing or processing it again', async () => {
    const first = stripeDelivery('', { id: 'evt_replayed', type: 'customer.created', account: STRIPE_ACCOUNT, data: { object: { id: 'cus_R', object: 'customer', created: 1, livemode: false } } });
    expect((await send(w.rt, first)).body).toMatchObject({ received: 1, duplicates: 0 });
    expect(await platform().webhooks.drain()).toBe(1);
    // Re-signed a second later, as an attacker replaying it (or Stripe retrying) would send it.
    await new Promise((r) => setTimeout(r, 1100));
    const again = stripeDelivery('', JSON.parse(first.body));
    expect(again.headers['stripe-signature']).not.toBe(first.headers['stripe-signature']);
    expect((await send(w.rt, again)).body).toMatchObject({ received: 0, duplicates: 1 });
    expect(await platform().webhooks.drain()).toBe(0);
    const events = await w.rt.call('GET', `/v1/webhook-events?connection=${w.conns.stripe}&status=processed`, { key: w.key });
    expect(events.body.events.filter((e: any) => e.provider_event_id === 'evt_replayed')).toHaveLength(1);
  });

  it('answers random bytes and random headers with a 4xx, never a 500 and never a 2xx', async () => {
    const targets = [
      `/v1/webhooks/github/${w.conns.github}`, `/v1/webhooks/stripe`, `/v1/webhooks/stripe/${w.conns.stripe}`, '/v1/webhooks/slack',
      `/v1/webhooks/hubspot/${w.conns.hubspot}`, `/v1/webhooks/stdhooks/${w.conns.std}`, '/v1/webhooks/%E0%A4%A', '/v1/webhooks/github/..%2F..%2Fetc',
    ];
    const headerNames = ['x-hub-signature-256', 'x-github-event', 'x-github-delivery', 'stripe-signature', 'x-slack-signature', 'x-slack-request-timestamp',
      'x-hubspot-signature-v3', 'x-hubspot-request-timestamp', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-type'];
    const headerValue = fc.oneof(
      fc.string({ maxLength: 80 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
      fc.constantFrom('sha256=00', 't=1,v1=00', 'v0=abc', 'v1,AAAA', String(nowSec()), String(Date.now()), 'application/json', 'application/x-www-form-urlencoded'),
    );
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
      fc.json().map((j) => Buffer.from(j)),
      fc.constant(Buffer.from(JSON.stringify({ type: 'url_verification', challenge: 'x' }))),
      fc.constant(Buffer.from(JSON.stringify({ type: 'event_callback', team_id: SLACK_TEAM, event_id: 'Ev1', event: { type: 'message' } }))),
      fc.constant(Buffer.from(JSON.stringify({ id: 'evt_1', type: 'customer.created', account: STRIPE_ACCOUNT }))),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), fc.dictionary(fc.constantFrom(...headerNames), headerValue), body, async (target, headers, raw) => {
        const res = await send(w.rt, { path: target, headers, body: '' }, { body: raw });
        return res.status >= 400 && res.status < 500;
      }),
      { numRuns: 120 },
    );
    expect(await platform().webhooks.drain()).toBe(0);
  });

  it('never answered a 5xx, and logged no server error', () => {
    expect(statuses.length).toBeGreaterThan(100);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(w.rt.logs.filter((l) => l.level >= 50)).toEqual([]);
  });
});

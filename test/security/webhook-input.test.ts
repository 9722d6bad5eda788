/**
 * Hostile input to the intake over a real socket: a Host header naming the attacker's
 * domain must not change the URL a URL-signed recipe verifies against, and a form body
 * repeating `__proto__` must not replace the parsed object's prototype, and headers that
 * look credential-bearing are dropped from the stored event by pattern, not a fixed list.
 */
import http from 'node:http';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubspotDelivery, SECRETS, startIntakeWorld, type IntakeWorld } from '../deliveries/intake-fixtures.js';

function send(url: string, path: string, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('hostile intake input', () => {
  let w: IntakeWorld;
  beforeAll(async () => {
    w = await startIntakeWorld();
  }, 60_000);
  afterAll(async () => w?.close());

  it('verifies a URL signature against the server\'s own address, never the Host or X-Forwarded-* headers', async () => {
    const events = [{ eventId: 91, portalId: 424242, subscriptionType: 'contact.creation', objectId: 5, occurredAt: Date.now() }];
    const evil = hubspotDelivery('http://evil.example.com', w.conns.hubspot, events);
    const forged = await send(w.rt.url, evil.path, { ...evil.headers, host: 'evil.example.com', 'x-forwarded-host': 'evil.example.com', 'x-forwarded-proto': 'http' }, evil.body);
    expect(forged.status).toBe(401);
    const own = hubspotDelivery(w.rt.url, w.conns.hubspot, events);
    const ok = await send(w.rt.url, own.path, { ...own.headers, host: 'evil.example.com' }, own.body);
    expect(ok.status, ok.text).toBe(200);
  });

  it('parses a form body repeating __proto__, constructor and prototype into plain keys', async () => {
    const body = '__proto__=a&__proto__=b&constructor=c&prototype=d&type=event_callback';
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = `v0=${createHmac('sha256', SECRETS.slack).update(`v0:${ts}:${body}`).digest('hex')}`;
    const res = await send(w.rt.url, `/v1/webhooks/slack/${w.conns.slack}`, { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': sig }, body);
    expect(res.status, res.text).toBe(200);
    const page = await w.rt.running.platform.webhooks.list({ tenant: 'acme', connection: w.conns.slack });
    const ev = await w.rt.running.platform.webhooks.get(page.items[0].id);
    expect(ev?.payload).toEqual({ ['__proto__']: ['a', 'b'], constructor: 'c', prototype: 'd', type: 'event_callback' });
    expect(Object.keys(ev!.payload as object)).toContain('__proto__');
  });
  it('drops credential-looking headers it has never heard of from the stored event, keeps the rest', async () => {
    const body = JSON.stringify({ type: 'event_callback', event_id: 'Ev_headers', event: { type: 'app_mention' } });
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = `v0=${createHmac('sha256', SECRETS.slack).update(`v0:${ts}:${body}`).digest('hex')}`;
    const invented = {
      'x-goog-channel-token': 'canary-1', 'x-my-app-key': 'canary-2', 'x-shopify-hmac-sha256': 'canary-3',
      'x-partner-auth': 'canary-4', 'x-session-id': 'canary-5', cookie: 'sid=canary-6', 'x-client-passwd': 'canary-7',
    };
    const res = await send(w.rt.url, `/v1/webhooks/slack/${w.conns.slack}`, {
      'content-type': 'application/json', 'x-slack-request-timestamp': ts, 'x-slack-signature': sig,
      'x-request-id': 'req-42', 'user-agent': 'Slackbot 1.0', ...invented,
    }, body);
    expect(res.status, res.text).toBe(200);
    const page = await w.rt.running.platform.webhooks.list({ tenant: 'acme', connection: w.conns.slack });
    const stored = await Promise.all(page.items.map((e) => w.rt.running.platform.webhooks.get(e.id)));
    const ev = stored.find((e) => e?.providerEventId === 'Ev_headers');
    expect(ev?.headers).toMatchObject({ 'x-request-id': 'req-42', 'user-agent': 'Slackbot 1.0' });
    for (const name of [...Object.keys(invented), 'x-slack-signature']) expect(ev?.headers?.[name], name).toBeUndefined();
    expect(JSON.stringify(ev)).not.toMatch(/canary/);
  });
});

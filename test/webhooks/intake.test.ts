/**
 * Intake through `receive(...)`: deliveries signed by the providers' own code against the
 * shipped manifests are stored once; every bad input is answered (400/401/404/413), recorded
 * where it belongs, and never stored as an event to process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../engine/platform/platform.js';
import { createWebhooks, type WebhooksService } from '../../engine/platform/webhooks/service.js';
import { databaseKinds, type TestDatabase } from '../store/databases.js';
import { openStore } from '../../engine/platform/store/store.js';
import { connectAll, json, openPlatform, request, SECRETS, sign } from './helpers.js';

const PUBLIC = 'https://hooks.example.com';

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`webhook intake on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let platform: Platform;
    let hooks: WebhooksService;
    let conns: Awaited<ReturnType<typeof connectAll>>;
    const tenant = 'acme';

    beforeAll(async () => {
      db = await kind.create('wh-intake');
      platform = await openPlatform(db.url);
      hooks = createWebhooks({ platform, publicUrl: PUBLIC, maxBodyBytes: 64 * 1024 });
      conns = await connectAll(platform, tenant);
    });
    afterAll(async () => {
      await hooks?.close();
      await platform?.close();
      await db?.cleanup();
    });

    const count = async (where: Record<string, unknown>) =>
      Number((await platform.store.knex('webhook_events').where(where).count({ n: '*' }))[0].n);

    it('stores a Stripe event signed by the stripe library once, and answers a redelivery as a duplicate', async () => {
      const payload = JSON.stringify({ id: 'evt_intake_1', type: 'customer.created', data: { object: { id: 'cus_1', object: 'customer' } } });
      const res = await hooks.receive(request('stripe', conns.stripe.id, payload, sign.stripe(payload)));
      expect(res.status).toBe(200);
      expect(json(res)).toEqual({ ok: true, received: 1, duplicates: 0 });
      const again = await hooks.receive(request('stripe', conns.stripe.id, payload, sign.stripe(payload)));
      expect(again.status).toBe(200);
      expect(json(again)).toEqual({ ok: true, received: 0, duplicates: 1 });
      expect(await count({ provider_event_id: 'evt_intake_1' })).toBe(1);
      const page = await hooks.list({ tenant, connection: conns.stripe.id, type: 'customer.created' });
      expect(page.items).toHaveLength(1);
      expect(page.items[0]).toMatchObject({ connector: 'stripe', connectionId: conns.stripe.id, providerEventId: 'evt_intake_1', type: 'customer.created', status: 'pending', attempts: 0 });
      const full = await hooks.get(page.items[0].id);
      expect(full?.payload).toEqual(JSON.parse(payload));
      // Signature headers are credential-bearing: dropped from the stored event, the rest kept.
      expect(full?.headers?.['stripe-signature']).toBeUndefined();
      expect(full?.headers?.['content-type']).toBe('application/json');
    });

    it('routes connector-level Stripe Connect events by account, and 404s an unknown account', async () => {
      const payload = JSON.stringify({ id: 'evt_connect_1', type: 'customer.updated', account: 'acct_1Test', data: { object: { id: 'cus_2' } } });
      const res = await hooks.receive(request('stripe', undefined, payload, sign.stripe(payload)));
      expect(res.status).toBe(200);
      expect((await hooks.list({ tenant, connection: conns.stripe.id, type: 'customer.updated' })).items.map((e) => e.providerEventId)).toEqual(['evt_connect_1']);

      const stranger = JSON.stringify({ id: 'evt_connect_2', type: 'customer.updated', account: 'acct_Nobody', data: { object: { id: 'cus_3' } } });
      expect((await hooks.receive(request('stripe', undefined, stranger, sign.stripe(stranger)))).status).toBe(404);
      const noAccount = JSON.stringify({ id: 'evt_connect_3', type: 'customer.updated', data: { object: { id: 'cus_4' } } });
      expect((await hooks.receive(request('stripe', undefined, noAccount, sign.stripe(noAccount)))).status).toBe(404);
      expect(await count({ provider_event_id: 'evt_connect_2' }) + await count({ provider_event_id: 'evt_connect_3' })).toBe(0);
    });

    it('stores a GitHub delivery signed by @octokit/webhooks-methods with its event type', async () => {
      const payload = JSON.stringify({ action: 'opened', issue: { id: 11, number: 1, title: 'Bug' }, repository: { full_name: 'octo/hello' } });
      const res = await hooks.receive(request('github', conns.github.id, payload, await sign.github(payload, 'issues', 'gh-delivery-1')));
      expect(res.status).toBe(200);
      const [e] = (await hooks.list({ tenant, connection: conns.github.id })).items;
      expect(e).toMatchObject({ providerEventId: 'gh-delivery-1', type: 'issues.opened', status: 'pending' });
    });

    it('answers Slack url_verification with the challenge, on either URL, storing nothing', async () => {
      const before = await count({ connector: 'slack' });
      const payload = JSON.stringify({ token: 'legacy', challenge: 'chal-3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' });
      for (const id of [undefined, conns.slack.id]) {
        const res = await hooks.receive(request('slack', id, payload, sign.slack(payload)));
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toBe('application/json');
        expect(JSON.parse(res.body)).toEqual({ challenge: 'chal-3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
      }
      // The challenge is signed like any request: a forged one gets no answer.
      const forged = await hooks.receive(request('slack', undefined, payload, sign.slack(payload, undefined, 'not-the-secret')));
      expect(forged.status).toBe(401);
      expect(json(forged)).toMatchObject({ code: 'unauthorized', reason: 'bad_signature' });
      expect(await count({ connector: 'slack' })).toBe(before);
    });

    it('routes a Slack event_callback to its workspace by team id', async () => {
      const payload = JSON.stringify({ type: 'event_callback', team_id: 'T0TEAM1', api_app_id: 'A1', event_id: 'Ev001', event: { type: 'message', channel: 'C1', user: 'U1', text: 'hi', ts: '1700000000.000100' } });
      const res = await hooks.receive(request('slack', undefined, payload, sign.slack(payload)));
      expect(res.status).toBe(200);
      const [e] = (await hooks.list({ tenant, connection: conns.slack.id })).items;
      expect(e).toMatchObject({ providerEventId: 'Ev001', type: 'message' });
    });

    it('splits a HubSpot v3 batch into events, signed over method, public URL, body and timestamp', async () => {
      const events = [
        { eventId: 101, subscriptionId: 7, portalId: 62515, objectId: 501, subscriptionType: 'contact.deletion', occurredAt: Date.now() },
        { eventId: 102, subscriptionId: 8, portalId: 62515, objectId: 502, subscriptionType: 'object.deletion', objectTypeId: '0-2', occurredAt: Date.now() },
      ];
      const payload = JSON.stringify(events);
      const url = '/v1/webhooks/hubspot';
      const res = await hooks.receive(request('hubspot', undefined, payload, sign.hubspot(payload, `${PUBLIC}${url}`), url));
      expect(res.status).toBe(200);
      expect(json(res)).toEqual({ ok: true, received: 2, duplicates: 0 });
      const page = await hooks.list({ tenant, connection: conns.hubspot.id });
      expect(page.items.map((e) => [e.providerEventId, e.type]).sort()).toEqual([['62515:7:101:501', 'contact.deletion'], ['62515:8:102:502', 'company.deletion']]);
      const full = await hooks.get(page.items[0].id);
      expect(full?.body).toEqual(events);
      expect(events).toContainEqual(full?.payload);

      // Signed for another host: the URL is part of what HubSpot signs.
      const wrongHost = await hooks.receive(request('hubspot', undefined, payload, sign.hubspot(payload, `https://elsewhere.example.com${url}`), url));
      expect(wrongHost.status).toBe(401);
    });

    describe('bad input', () => {
      const stripeEvent = (id: string) => JSON.stringify({ id, type: 'customer.created', data: { object: { id: 'cus_bad' } } });

      async function expectRejected(id: string, res: { status: number; body: string }, status: number, reason: string) {
        expect(res.status).toBe(status);
        expect(json(res)).toMatchObject(status === 401 ? { code: 'unauthorized', reason } : { code: reason });
        expect(await count({ provider_event_id: id })).toBe(0);
      }

      it('refuses a wrong signature, a changed byte, stale and future timestamps, missing headers', async () => {
        const p = stripeEvent('evt_bad_1');
        const t = Math.floor(Date.now() / 1000);
        await expectRejected('evt_bad_1', await hooks.receive(request('stripe', conns.stripe.id, p, sign.stripe(p, t, 'whsec_wrong'))), 401, 'bad_signature');
        const flipped = p.replace('cus_bad', 'cus_bae');
        await expectRejected('evt_bad_1', await hooks.receive(request('stripe', conns.stripe.id, flipped, sign.stripe(p))), 401, 'bad_signature');
        await expectRejected('evt_bad_1', await hooks.receive(request('stripe', conns.stripe.id, p, sign.stripe(p, t - 3600))), 401, 'stale_timestamp');
        await expectRejected('evt_bad_1', await hooks.receive(request('stripe', conns.stripe.id, p, sign.stripe(p, t + 3600))), 401, 'future_timestamp');
        await expectRejected('evt_bad_1', await hooks.receive(request('stripe', conns.stripe.id, p, {})), 401, 'missing_signature');
        const gh = JSON.stringify({ action: 'opened', issue: { id: 99 } });
        const ghRes = await hooks.receive(request('github', conns.github.id, gh, { 'x-github-event': 'issues', 'x-github-delivery': 'gh-unsigned' }));
        expect(ghRes.status).toBe(401);
        expect(await count({ provider_event_id: 'gh-unsigned' })).toBe(0);

        // Each refusal is in the event log with its reason, never to be processed.
        const rejected = await hooks.list({ tenant, connection: conns.stripe.id, status: 'rejected' });
        expect(rejected.items.map((e) => e.reason).sort()).toEqual(['bad_signature', 'bad_signature', 'future_timestamp', 'missing_signature', 'stale_timestamp']);
        // Metadata only: the id the sender claimed, the body's size and the header names, never the body.
        expect(rejected.items.map((e) => e.providerEventId)).toEqual(Array(5).fill('evt_bad_1'));
        const one = await hooks.get(rejected.items[0].id);
        expect(one?.payload).toEqual({ body_bytes: expect.any(Number), header_names: expect.arrayContaining(['content-type']) });
        expect(JSON.stringify(one)).not.toContain('cus_bad');
        // The worker never picks them up.
        await hooks.drain();
        const after = await hooks.list({ tenant, connection: conns.stripe.id, status: 'rejected' });
        expect(after.items.map((e) => [e.id, e.attempts, e.processedAt])).toEqual(rejected.items.map((e) => [e.id, 0, undefined]));
        await expect(hooks.replay(rejected.items[0].id)).rejects.toMatchObject({ kind: 'conflict' });
      });

      it('answers 400 to invalid JSON and records it on the connection', async () => {
        const res = await hooks.receive(request('stripe', conns.stripe.id, '{"id": "evt_json", "type": ', {}));
        expect(res.status).toBe(400);
        expect(json(res).code).toBe('invalid_json');
        const [rec] = (await hooks.list({ tenant, connection: conns.stripe.id, status: 'rejected' })).items;
        expect(rec.reason).toBe('invalid_json');
        expect((await hooks.receive(request('stripe', undefined, '', {}))).status).toBe(400);
      });

      it('404s an unknown connector, connection, a connection of another connector, a disconnected one', async () => {
        const p = stripeEvent('evt_bad_2');
        expect((await hooks.receive(request('nope', undefined, p, sign.stripe(p)))).status).toBe(404);
        expect((await hooks.receive(request('stripe', 'conn_missing', p, sign.stripe(p)))).status).toBe(404);
        expect((await hooks.receive(request('stripe', conns.github.id, p, sign.stripe(p)))).status).toBe(404);
        const gone = await platform.connections.create({ tenant, connector: 'stripe', name: 'gone', credentials: { api_key: 'sk_test_gone', webhook_secret: 'whsec_gone' }, skipCheck: true });
        await platform.connections.disconnect(gone.id);
        expect((await hooks.receive(request('stripe', gone.id, p, sign.stripe(p, undefined, 'whsec_gone')))).status).toBe(404);
        expect(await count({ provider_event_id: 'evt_bad_2' })).toBe(0);
      });

      it('answers 413 to a body over the limit', async () => {
        const big = JSON.stringify({ id: 'evt_big', type: 'x', pad: 'a'.repeat(70 * 1024) });
        const res = await hooks.receive(request('stripe', conns.stripe.id, big, sign.stripe(big)));
        expect(res.status).toBe(413);
        expect(await count({ provider_event_id: 'evt_big' })).toBe(0);
      });

      it('never answers 5xx to garbage', async () => {
        const bodies = ['null', '[]', '"str"', '42', '{"type": "url_verification"}', '[{"portalId": {}}]', '{"account": {"x": 1}}', '\u0000\u0001'];
        for (const connector of ['stripe', 'github', 'slack', 'hubspot', 'hooktest']) {
          for (const b of bodies) {
            for (const id of [undefined, (conns as Record<string, { id: string }>)[connector].id]) {
              const res = await hooks.receive(request(connector, id, b, { 'stripe-signature': 't=1,v1=00', 'x-slack-signature': 'v0=zz', 'webhook-signature': 'v1,AAAA' }));
              expect(res.status, `${connector} ${id ?? 'connector-level'} ${b}`).toBeGreaterThanOrEqual(400);
              expect(res.status).toBeLessThan(500);
            }
          }
        }
      });
    });

    it('acknowledges concurrent deliveries only once committed, storing a repeated id once', async () => {
      const distinct = Array.from({ length: 40 }, (_, i) => JSON.stringify({ id: `evt_burst_${i}`, type: 'customer.updated', data: { object: { id: `cus_b${i}` } } }));
      const same = JSON.stringify({ id: 'evt_burst_same', type: 'customer.updated', data: { object: { id: 'cus_same' } } });
      const all = [...distinct, ...Array.from({ length: 10 }, () => same)];
      const answers = await Promise.all(all.map((p) => hooks.receive(request('stripe', conns.stripe.id, p, sign.stripe(p)))));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(answers.reduce((n, a) => n + json(a).received, 0)).toBe(41);
      expect(answers.reduce((n, a) => n + json(a).duplicates, 0)).toBe(9);
      // Another connection to the database sees every acknowledged event: they were committed.
      const reader = await openStore(db.url);
      try {
        const n = await reader.knex('webhook_events').where('provider_event_id', 'like', 'evt_burst_%').count({ n: '*' });
        expect(Number(n[0].n)).toBe(41);
      } finally {
        await reader.close();
      }
    });

    it('takes a rotated webhook secret into account at once', async () => {
      const p = JSON.stringify({ id: 'evt_rotated', type: 'customer.updated', data: { object: { id: 'cus_r' } } });
      expect((await hooks.receive(request('stripe', conns.stripe.id, p, sign.stripe(p)))).status).toBe(200);
      await platform.connections.update(conns.stripe.id, { credentials: { webhook_secret: 'whsec_rotated' }, mergeCredentials: true, skipCheck: true });
      const q = JSON.stringify({ id: 'evt_rotated_2', type: 'customer.updated', data: { object: { id: 'cus_r' } } });
      expect((await hooks.receive(request('stripe', conns.stripe.id, q, sign.stripe(q, undefined, 'whsec_rotated')))).status).toBe(200);
      expect((await hooks.receive(request('stripe', conns.stripe.id, q, sign.stripe(q)))).status).toBe(401);
      await platform.connections.update(conns.stripe.id, { credentials: { webhook_secret: SECRETS.stripe }, mergeCredentials: true, skipCheck: true });
    });

    it('lists events newest first with a cursor, filtered by type pattern and time', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const p = JSON.stringify({ id: `evt_page_${i}`, type: 'charge.succeeded', data: { object: { id: `ch_${i}`, object: 'charge' } } });
        expect((await hooks.receive(request('stripe', conns.stripe.id, p, sign.stripe(p)))).status).toBe(200);
        ids.push(`evt_page_${i}`);
      }
      const first = await hooks.list({ tenant, type: 'charge.*', limit: 3 });
      expect(first.items).toHaveLength(3);
      expect(first.nextCursor).toBeDefined();
      const second = await hooks.list({ tenant, type: 'charge.*', limit: 3, cursor: first.nextCursor });
      const seen = [...first.items, ...second.items].map((e) => e.providerEventId);
      expect(seen.sort()).toEqual(ids.sort());
      expect(second.nextCursor).toBeNull();
      expect((await hooks.list({ tenant, type: 'charge.*', since: Date.now() + 60_000 })).items).toEqual([]);
      expect((await hooks.list({ tenant: 'other-tenant' })).items).toEqual([]);
    });
  });
}

describe('handshake without verification', () => {
  let db: TestDatabase;
  let platform: Platform;
  let hooks: WebhooksService;
  beforeAll(async () => {
    db = await databaseKinds()[0].create('wh-ping');
    platform = await openPlatform(db.url);
    hooks = createWebhooks({ platform });
    await connectAll(platform, 'acme');
  });
  afterAll(async () => {
    await hooks?.close();
    await platform?.close();
    await db?.cleanup();
  });

  it('answers the manifest response to an unsigned probe and stores nothing', async () => {
    const res = await hooks.receive(request('hooktest', undefined, JSON.stringify({ type: 'ping', nonce: 'n-1' }), {}));
    expect(res).toEqual({ status: 202, headers: { 'content-type': 'text/plain' }, body: 'pong n-1' });
    expect((await hooks.list({ tenant: 'acme' })).items).toEqual([]);
    // Anything else unsigned is still refused.
    const other = await hooks.receive(request('hooktest', undefined, JSON.stringify({ type: 'item.created', account: 'acc-1', id: 'x' }), {}));
    expect(other.status).toBe(401);
  });
});

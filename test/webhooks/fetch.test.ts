/**
 * Routes that fetch: id-only events read their records through a declared action over a
 * real socket (the connection's auth, the connector's rate limit), then upsert or emit what
 * came back. A list of ids is fetched with bounded concurrency, a failed fetch fails the
 * event so the worker retries it, and a record the provider no longer has is skipped.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConnectors } from '../../engine/plan/index.js';
import type { Platform } from '../../engine/platform/platform.js';
import { createWebhooks, type WebhooksService } from '../../engine/platform/webhooks/service.js';
import type { NormalizedEvent } from '../../engine/platform/webhooks/types.js';
import { BASE_URL_SETTING, withBaseUrlOverrides } from '../../engine/runtime/base-url.js';
import { databaseKinds, type TestDatabase } from '../store/databases.js';
import { allPlans, json, openPlatform, request, SECRETS, sign } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PUBLIC = 'https://hooks.example.com';

interface Fake {
  url: string;
  /** Paths requested, in arrival order. */
  seen: string[];
  maxInFlight: number;
  /** Item ids that answer 500 once. */
  failOnce: Set<string>;
  /** Hold responses until this many are in flight (or `expect` requests have arrived). */
  gate?: { size: number; expect: number };
  close(): Promise<void>;
}

const items: Record<string, { id: number; name: string; updated_at: string }> = {};
for (let i = 1; i <= 20; i++) items[String(i)] = { id: i, name: `item ${i}`, updated_at: '2024-03-01T00:00:00Z' };

const contact = (id: string) => ({
  id,
  properties: { email: `c${id}@example.com`, firstname: 'Ada', lastname: 'Lovelace', phone: null, company: null, jobtitle: null, lifecyclestage: 'lead', associatedcompanyid: null, hubspot_owner_id: null },
  createdAt: '2024-03-01T00:00:00.000Z', updatedAt: '2024-03-02T00:00:00.000Z', archived: false,
});

async function startFake(): Promise<Fake> {
  const f: Fake = { url: '', seen: [], maxInFlight: 0, failOnce: new Set(), close: async () => undefined };
  let inFlight = 0;
  let held: Array<() => void> = [];
  let arrived = 0;
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    f.seen.push(u.pathname);
    inFlight++;
    arrived++;
    f.maxInFlight = Math.max(f.maxInFlight, inFlight);
    const send = (status: number, body: unknown) => {
      inFlight--;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const answer = () => {
      const item = /^\/items\/([^/]+)$/.exec(u.pathname);
      if (item && req.headers.authorization === 'Bearer tok-f') {
        if (f.failOnce.delete(item[1])) return send(500, { message: 'try later' });
        const found = items[item[1]];
        return found ? send(200, found) : send(404, { message: 'no such item' });
      }
      const c = /^\/crm\/v3\/objects\/contacts\/([0-9]+)$/.exec(u.pathname);
      if (c && req.headers.authorization === 'Bearer pat-na1-fetch') {
        if (c[1] === '404') return send(404, { status: 'error', message: 'Object not found', category: 'OBJECT_NOT_FOUND' });
        return send(200, contact(c[1]));
      }
      send(404, { message: 'not found' });
    };
    if (!f.gate) return answer();
    held.push(answer);
    if (held.length >= f.gate.size || arrived >= f.gate.expect) {
      const go = held;
      held = [];
      for (const g of go) g();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  f.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  f.close = () => new Promise((r) => server.close(() => r()));
  return f;
}

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`webhook routes that fetch on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let platform: Platform;
    let hooks: WebhooksService;
    let fake: Fake;
    let clock = Date.now();
    let emitted: NormalizedEvent[] = [];
    let fetchConn: string;
    let hubspotConn: string;
    const tenant = 'fetchers';

    beforeAll(async () => {
      db = await kind.create('wh-fetch');
      fake = await startFake();
      const plans = new Map(await allPlans());
      for (const [id, plan] of (await loadConnectors(path.join(here, 'fixtures', 'fetch'))).plans) plans.set(id, plan);
      platform = await openPlatform(db.url, { connectors: plans, wrapEngine: withBaseUrlOverrides, now: () => clock });
      hooks = createWebhooks({ platform, publicUrl: PUBLIC, worker: { maxAttempts: 3, retryBaseMs: 1000, random: () => 0, pollMs: 25 } });
      hooks.on('event', (e) => {
        emitted.push(e);
      });
      const c = platform.connections;
      fetchConn = (await c.create({ tenant, connector: 'fetchtest', name: 'f', config: { base_url: fake.url }, credentials: { token: 'tok-f', webhook_secret: SECRETS.hooktest }, skipCheck: true })).id;
      hubspotConn = (await c.create({
        tenant, connector: 'hubspot', name: 'hs', learned: { portal_id: '90210' }, settings: { [BASE_URL_SETTING]: fake.url },
        credentials: { token: 'pat-na1-fetch', client_secret: SECRETS.hubspot }, skipCheck: true,
      })).id;
    });
    afterAll(async () => {
      await hooks?.close();
      await platform?.close();
      await fake?.close();
      await db?.cleanup();
    });
    beforeEach(() => {
      emitted = [];
      fake.seen = [];
      fake.maxInFlight = 0;
      fake.gate = undefined;
    });

    async function deliver(body: Record<string, unknown>) {
      const payload = JSON.stringify(body);
      const res = await hooks.receive(request('fetchtest', fetchConn, payload, sign.standard(payload, String(body.id), new Date(clock))));
      expect(res.status).toBe(200);
      return json(res);
    }
    const stored = async (providerEventId: string) => {
      const row = await platform.store.knex('webhook_events').where({ provider_event_id: providerEventId }).first();
      return (await hooks.get(row.id))!;
    };

    it('HubSpot fetch of an id-only event', async () => {
      const events = [{ eventId: 7001, subscriptionId: 31, portalId: 90210, objectId: 777, subscriptionType: 'contact.propertyChange', propertyName: 'email', propertyValue: 'c777@example.com', changeSource: 'CRM', occurredAt: clock }];
      const payload = JSON.stringify(events);
      const url = '/v1/webhooks/hubspot';
      const res = await hooks.receive(request('hubspot', undefined, payload, sign.hubspot(payload, `${PUBLIC}${url}`, clock), url));
      expect(res.status).toBe(200);
      expect(await hooks.drain()).toBe(1);
      expect(fake.seen).toEqual(['/crm/v3/objects/contacts/777']);
      // The contacts stream's own mapping, as a sync would have written it.
      expect(await platform.records.get(hubspotConn, 'contacts', '777')).toMatchObject({
        model: 'contact', data: { id: '777', email: 'c777@example.com', name: 'Ada Lovelace', lifecycle_stage: 'lead', updated_at: '2024-03-02T00:00:00.000Z' },
      });
      expect(emitted.map((e) => [e.type, (e.data as { id: string }).id])).toEqual([['contact.updated', '777']]);
      expect(await platform.runs.list({ connection: hubspotConn })).toMatchObject({ items: [] });

      // A contact deleted since the event: nothing to write, and the event is done.
      const gone = JSON.stringify([{ ...events[0], eventId: 7002, objectId: 404 }]);
      expect((await hooks.receive(request('hubspot', undefined, gone, sign.hubspot(gone, `${PUBLIC}${url}`, clock), url))).status).toBe(200);
      expect(await hooks.drain()).toBe(1);
      expect(await stored('90210:31:7002:404')).toMatchObject({ status: 'processed' });
      expect(await platform.records.get(hubspotConn, 'contacts', '404')).toBeUndefined();
    });

    it('binds the action output as fetched, and leaves a route whose `when` fails alone', async () => {
      await deliver({ id: 'one-1', type: 'item.changed', item_id: 3, notify: true });
      await deliver({ id: 'one-2', type: 'item.changed', item_id: 4 });
      expect(await hooks.drain()).toBe(2);
      expect(await platform.records.get(fetchConn, 'items', '3')).toMatchObject({ data: { id: '3', title: 'item 3', updated_at: '2024-03-01T00:00:00Z' } });
      expect(await platform.records.get(fetchConn, 'items', '4')).toMatchObject({ data: { title: 'item 4' } });
      // `when` is judged before fetching: one-2 fetched once, for the upsert only.
      expect(fake.seen.filter((p) => p === '/items/4')).toHaveLength(1);
      expect(emitted.map((e) => e.data)).toEqual([{ id: '3', title: 'item 3' }]);
    });

    it("fetches by a stream's single-record request (`fetch: { stream, id }`) and upserts through its mapping", async () => {
      await deliver({ id: 'get-1', type: 'item.by_stream', item_id: 6 });
      expect(await hooks.drain()).toBe(1);
      expect(fake.seen).toEqual(['/items/6']);
      expect(await platform.records.get(fetchConn, 'items', '6')).toMatchObject({ data: { id: '6', title: 'item 6', updated_at: '2024-03-01T00:00:00Z' } });
      // Gone at the provider: skipped like an action's not_found.
      await deliver({ id: 'get-2', type: 'item.by_stream', item_id: 404 });
      expect(await hooks.drain()).toBe(1);
      expect(await stored('get-2')).toMatchObject({ status: 'processed' });
    });

    it('fetches a batch of ids with at most `concurrency` calls in flight', async () => {
      const ids = [1, 2, 5, 6, 7, 8, 9, 10, 11];
      fake.gate = { size: 3, expect: ids.length };
      await deliver({ id: 'batch-1', type: 'items.changed', ids: [...ids, 99] });
      expect(await hooks.drain()).toBe(1);
      expect(await stored('batch-1')).toMatchObject({ status: 'processed' });
      expect(fake.maxInFlight).toBeLessThanOrEqual(3);
      expect(fake.maxInFlight).toBeGreaterThan(1);
      expect([...fake.seen].sort()).toEqual([...ids, 99].map((i) => `/items/${i}`).sort());
      // 99 is not found: left out of `fetched`, the others written.
      for (const i of ids) expect(await platform.records.get(fetchConn, 'items', String(i))).toMatchObject({ data: { title: `item ${i}` } });
    });

    it("spaces the fetches by the connector's rate limit", async () => {
      // 4 per 400 ms and 10 ids: the ninth start is two windows after the first, whatever the
      // route's concurrency (starts of earlier tests still in the window only add to the wait).
      const ids = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
      await deliver({ id: 'bulk-1', type: 'items.bulk', ids });
      const started = performance.now();
      expect(await hooks.drain()).toBe(1);
      expect(performance.now() - started).toBeGreaterThanOrEqual(800);
      expect(await stored('bulk-1')).toMatchObject({ status: 'processed' });
      expect(fake.seen).toHaveLength(10);
      expect(await platform.records.count(fetchConn, 'items')).toBeGreaterThanOrEqual(10);
    });

    it('a failed fetch fails the event, and the retry fetches again and ends processed', async () => {
      fake.failOnce.add('5');
      await deliver({ id: 'retry-1', type: 'items.changed', ids: [5] });
      expect(await hooks.drain()).toBe(1);
      const first = await stored('retry-1');
      expect(first).toMatchObject({ status: 'pending', attempts: 1 });
      expect(first.error).toMatch(/try later/);
      clock += 1000;
      expect(await hooks.drain()).toBe(1);
      expect(await stored('retry-1')).toMatchObject({ status: 'processed', attempts: 2 });
      expect(fake.seen).toEqual(['/items/5', '/items/5']);
    });

    it('`missing: fail` retries an event whose record the provider does not have yet', async () => {
      await deliver({ id: 'strict-1', type: 'item.strict', item_id: 404 });
      expect(await hooks.drain()).toBe(1);
      expect(await stored('strict-1')).toMatchObject({ status: 'pending', attempts: 1 });
      expect(emitted).toEqual([]);
    });
  });
}

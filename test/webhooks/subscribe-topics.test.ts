/**
 * `webhooks.subscriptions` with `for_each`: one subscribe request per topic, in Shopify's
 * documented REST format, each provider id recorded and shown on the connection; a
 * disconnect unsubscribes each one. Subscribe requests (this form and the single
 * `subscribe:`) go to the connection's base URL override where the engine applies one.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConnectors } from '../../engine/plan/index.js';
import type { Platform } from '../../engine/platform/platform.js';
import { presentConnection } from '../../engine/platform/present/index.js';
import { BASE_URL_SETTING, withBaseUrlOverrides } from '../../engine/runtime/base-url.js';
import { databaseKinds, type TestDatabase } from '../store/databases.js';
import { startFakeProvider, type FakeProvider } from './fake-provider.js';
import { allPlans, openPlatform } from './helpers.js';
import { startShopify } from './subscription-providers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PUBLIC = 'https://hooks.example.com';
const TOKEN = 'shpat_test_0123456789abcdef';

async function plans() {
  const all = new Map(await allPlans());
  for (const [id, plan] of (await loadConnectors(path.join(here, 'fixtures', 'subscriptions'))).plans) all.set(id, plan);
  return all;
}

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`provider subscriptions per topic on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let platform: Platform;
    let shop: Awaited<ReturnType<typeof startShopify>>;
    const tenant = 'shops';

    beforeAll(async () => {
      db = await kind.create('wh-sub-topics');
      shop = await startShopify(TOKEN);
      platform = await openPlatform(db.url, { connectors: await plans(), wrapEngine: withBaseUrlOverrides, webhooks: { publicUrl: PUBLIC } });
    });
    afterAll(async () => {
      await platform?.close();
      await shop?.close();
      await db?.cleanup();
    });

    const connect = (name: string, topics: string[]) => platform.connections.create({
      tenant, connector: 'shopifyhooks', name, config: { shop: 'acme-test', topics },
      // The manifest's base URL is the shop's own host; the override sends everything to the local server.
      settings: { [BASE_URL_SETTING]: `${shop.url}/admin/api/2024-10` },
      credentials: { access_token: TOKEN, client_secret: 'shpss_test' }, skipCheck: true,
    });

    it('Shopify per-topic subscribe: one POST /webhooks.json per topic, each id stored and shown on the connection', async () => {
      const topics = ['orders/create', 'orders/updated', 'app/uninstalled'];
      const before = shop.seen.length;
      const conn = await connect('per-topic', topics);
      expect(conn.status).toBe('active');
      const address = `${PUBLIC}/v1/webhooks/shopifyhooks/${conn.id}`;
      const posts = shop.seen.slice(before);
      expect(posts.map((r) => [r.method, r.path])).toEqual(topics.map(() => ['POST', '/admin/api/2024-10/webhooks.json']));
      expect(posts.map((r) => r.body)).toEqual(topics.map((topic) => ({ webhook: { topic, address, format: 'json' } })));
      for (const r of posts) expect(r.headers['x-shopify-access-token']).toBe(TOKEN);

      const stored = await platform.webhooks.subscriptions.list({ tenant, id: conn.id });
      const byTopic = new Map([...shop.webhooks.values()].filter((w) => w.address === address).map((w) => [w.topic, String(w.id)]));
      expect(stored.map((s) => [s.key, s.providerId, s.status])).toEqual(
        [...topics].sort().map((t) => [t, byTopic.get(t), 'active']),
      );
      // Shopify webhooks do not expire: nothing to renew.
      expect(stored.every((s) => s.expiresAt === undefined && s.nextAttemptAt === undefined)).toBe(true);

      const shown = presentConnection((await platform.connections.get({ tenant, id: conn.id }))!, true, stored);
      expect(shown.subscriptions).toEqual([...topics].sort().map((t) => expect.objectContaining({ kind: 'subscription', name: 'topics', key: t, provider_id: byTopic.get(t), status: 'active' })));
    });

    it('a disconnect unsubscribes every topic (DELETE /webhooks/<id>.json) through the job, and records it', async () => {
      const conn = await connect('to-disconnect', ['orders/create', 'orders/paid']);
      const ids = (await platform.webhooks.subscriptions.list({ tenant, id: conn.id })).map((s) => s.providerId);
      const disconnected = await platform.connections.disconnect({ tenant, id: conn.id });
      expect(disconnected.status).toBe('disconnected');
      expect((await platform.webhooks.subscriptions.list({ tenant, id: conn.id })).map((s) => s.status)).toEqual(['unsubscribing', 'unsubscribing']);
      expect(await platform.webhooks.subscriptions.drain()).toBe(2);
      const deletes = shop.seen.filter((r) => r.method === 'DELETE').map((r) => r.path);
      for (const id of ids) {
        expect(deletes).toContain(`/admin/api/2024-10/webhooks/${id}.json`);
        expect(shop.webhooks.has(Number(id))).toBe(false);
      }
      const after = await platform.webhooks.subscriptions.list({ tenant, id: conn.id });
      expect(after.map((s) => [s.status, s.attempts, s.lastError])).toEqual([['removed', 0, undefined], ['removed', 0, undefined]]);
      // The kept credentials are gone once the work is done.
      const rows = await platform.store.knex('provider_subscriptions').where('connection_id', conn.id);
      expect(rows.every((r: { credentials: unknown }) => r.credentials === null)).toBe(true);
    });

    it('a topic the provider refuses leaves the connection in error with its reason; the others are recorded', async () => {
      await connect('first', ['orders/create']);
      // Same address only for the same connection: a second connection's subscription of the topic is its own.
      const conn = await connect('dup', ['carts/create', 'carts/update']);
      const again = await platform.webhooks.subscriptions.subscribe({ tenant, id: conn.id }).then(() => undefined, (e: unknown) => e);
      expect(again).toMatchObject({ kind: 'client', status: 422 });
      expect((again as Error).message).toMatch(/2 subscription requests failed.*already been taken/);
      expect((await platform.webhooks.subscriptions.list({ tenant, id: conn.id })).map((s) => s.key)).toEqual(['carts/create', 'carts/update']);
    });
  });
}

describe("subscribe requests go to the connection's base URL", () => {
  let db: TestDatabase;
  let platform: Platform;
  let provider: FakeProvider;

  beforeAll(async () => {
    db = await databaseKinds()[0].create('wh-sub-base-url');
    provider = await startFakeProvider();
    platform = await openPlatform(db.url, { connectors: await plans(), wrapEngine: withBaseUrlOverrides, webhooks: { publicUrl: PUBLIC } });
  });
  afterAll(async () => {
    await platform?.close();
    await provider?.close();
    await db?.cleanup();
  });

  it('the single `subscribe:` request and its unsubscribe use the override, not the manifest base URL', async () => {
    // Nothing listens on port 9: before the fix the subscribe request went there and failed.
    const conn = await platform.connections.create({
      tenant: 'acme', connector: 'hooktest', name: 'override', config: { base_url: 'http://127.0.0.1:9' },
      settings: { [BASE_URL_SETTING]: provider.url }, credentials: { token: 'tok-1' }, skipCheck: true,
    });
    expect(conn.status).toBe('active');
    expect(conn.settings.webhook_id).toBe('hook_42');
    expect(provider.requests.at(-1)).toMatchObject({ method: 'POST', path: '/hooks' });
    await platform.connections.disconnect({ tenant: 'acme', id: conn.id });
    expect(provider.requests.at(-1)).toMatchObject({ method: 'DELETE', path: '/hooks/hook_42' });
  });
});

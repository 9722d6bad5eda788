/**
 * Subscriptions at the provider: the manifest's subscribe request registers the
 * connection's intake URL with a generated secret, which is sealed with the credentials and
 * then verifies deliveries; unsubscribe removes it, and a subscription the provider already
 * forgot counts as removed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform } from '../../engine/platform/platform.js';
import { createEngine } from '../../engine/run/engine.js';
import { createWebhooks, type WebhooksService } from '../../engine/platform/webhooks/service.js';
import { databaseKinds, KEY_A, type TestDatabase } from '../store/databases.js';
import { startFakeProvider, type FakeProvider } from './fake-provider.js';
import { allPlans, openPlatform, request, sign } from './helpers.js';

describe('webhook subscriptions', () => {
  let db: TestDatabase;
  let platform: Platform;
  let hooks: WebhooksService;
  let provider: FakeProvider;

  beforeAll(async () => {
    db = await databaseKinds()[0].create('wh-subscribe');
    provider = await startFakeProvider();
    platform = await openPlatform(db.url);
    hooks = createWebhooks({ platform, publicUrl: 'https://hooks.example.com/' });
  });
  afterAll(async () => {
    await hooks?.close();
    await platform?.close();
    await provider?.close();
    await db?.cleanup();
  });

  const connect = (name: string) => platform.connections.create({
    tenant: 'acme', connector: 'hooktest', name, config: { base_url: provider.url }, credentials: { token: 'tok-1' }, skipCheck: true,
  });

  it('subscribes with a generated secret, keeps the webhook id and the sealed secret, and verifies with it', async () => {
    const conn = await connect('sub-1');
    const result = await hooks.subscribe(conn.id);
    const url = `https://hooks.example.com/v1/webhooks/hooktest/${conn.id}`;
    expect(result).toEqual({ webhookId: 'hook_42', url });
    const sent = provider.requests.find((r) => r.method === 'POST' && r.path === '/hooks')!;
    expect(sent.authorization).toBe('Bearer tok-1');
    expect(sent.body).toMatchObject({ url, events: ['item.*'] });
    const secret = (sent.body as { secret: string }).secret;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const { info, connection } = await platform.connections.resolve(conn.id);
    expect(info.settings).toEqual({ webhook_id: 'hook_42' });
    expect(connection.credentials).toEqual({ token: 'tok-1', webhook_secret: secret });
    expect(info.credentialFields).toEqual(['token', 'webhook_secret']);
    // Sealed at rest: the secret is not in the row.
    const row = await platform.store.knex('connections').where('id', conn.id).first();
    expect(row.credentials).not.toContain(secret);

    const payload = JSON.stringify({ id: 'sub-evt-1', type: 'item.created', data: { id: 1, name: 'x' } });
    expect((await hooks.receive(request('hooktest', conn.id, payload, sign.standard(payload, 'm1', new Date(), secret)))).status).toBe(200);
    expect((await hooks.receive(request('hooktest', conn.id, payload, sign.standard(payload, 'm1')))).status).toBe(401);
  });

  it('unsubscribes, and treats a subscription the provider no longer has as removed', async () => {
    const conn = await connect('sub-2');
    const { webhookId } = (await hooks.subscribe(conn.id))!;
    expect(provider.subscriptions.has(webhookId!)).toBe(true);
    expect(await hooks.unsubscribe(conn.id)).toBe(true);
    expect(provider.requests.at(-1)).toMatchObject({ method: 'DELETE', path: `/hooks/${webhookId}` });
    expect(provider.subscriptions.has(webhookId!)).toBe(false);
    expect((await platform.connections.get(conn.id))?.settings).toEqual({});
    // Nothing subscribed any more: nothing to do.
    expect(await hooks.unsubscribe(conn.id)).toBe(false);

    const again = await hooks.subscribe(conn.id);
    provider.subscriptions.delete(again!.webhookId!);
    expect(await hooks.unsubscribe(conn.id)).toBe(true);
  });

  it('names the provider error without leaking the secret when subscribing fails', async () => {
    const conn = await platform.connections.create({
      tenant: 'acme', connector: 'hooktest', name: 'sub-3', config: { base_url: provider.url }, credentials: { token: 'wrong-token' }, skipCheck: true,
    });
    const err = await hooks.subscribe(conn.id).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ kind: 'auth', connector: 'hooktest' });
    const sent = provider.requests.at(-1)!;
    expect(JSON.stringify(err)).not.toContain((sent.body as { secret: string }).secret);
    expect((await platform.connections.get(conn.id))?.settings).toEqual({});
  });

  it('returns undefined for a connector without a subscribe request', async () => {
    const conn = await platform.connections.create({ tenant: 'acme', connector: 'stripe', name: 'st', credentials: { api_key: 'sk_test_x' }, skipCheck: true });
    expect(await hooks.subscribe(conn.id)).toBeUndefined();
    expect(await hooks.unsubscribe(conn.id)).toBe(false);
  });

  it("sends subscribe requests through the engine's client: its outbound guard applies though the platform was given no policy", async () => {
    // A host hands the platform its own guarded engine and no `outbound` option of its own.
    const engine = await createEngine({ connectors: await allPlans(), outbound: {} });
    const db2 = await databaseKinds()[0].create('wh-subscribe-guarded');
    const guarded = await createPlatform({ database: db2.url, engine, secretKeys: KEY_A });
    const guardedHooks = createWebhooks({ platform: guarded, publicUrl: 'https://hooks.example.com/' });
    try {
      const conn = await guarded.connections.create({
        tenant: 'acme', connector: 'hooktest', name: 'guarded', config: { base_url: provider.url }, credentials: { token: 'tok-1' }, skipCheck: true,
      });
      const before = provider.requests.length;
      const err = await guardedHooks.subscribe(conn.id).then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ connector: 'hooktest' });
      // The provider on 127.0.0.1 is refused by the engine's guard: nothing reached it.
      expect(provider.requests.length).toBe(before);
      expect((await guarded.connections.get(conn.id))?.settings).toEqual({});
    } finally {
      await guardedHooks.close();
      await guarded.close();
      await engine.close();
      await db2.cleanup();
    }
  });
});

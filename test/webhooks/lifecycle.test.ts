/**
 * The connection lifecycle drives provider subscriptions: creating a connection of a
 * connector with `webhooks.subscribe` registers the runtime's URL (when it has a public
 * URL), disconnecting removes it first, and a provider that refuses either leaves the user's
 * request done and the reason recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../engine/platform/platform.js';
import { databaseKinds, type TestDatabase } from '../store/databases.js';
import { startFakeProvider, type FakeProvider } from './fake-provider.js';
import { openPlatform } from './helpers.js';

describe('connection lifecycle and webhook subscriptions', () => {
  let db: TestDatabase;
  let platform: Platform;
  let bare: Platform;
  let provider: FakeProvider;

  beforeAll(async () => {
    db = await databaseKinds()[0].create('wh-lifecycle');
    provider = await startFakeProvider();
    platform = await openPlatform(db.url, { webhooks: { publicUrl: 'https://hooks.example.com' } });
    bare = await openPlatform(db.url);
  });
  afterAll(async () => {
    await platform?.close();
    await bare?.close();
    await provider?.close();
    await db?.cleanup();
  });

  const create = (p: Platform, name: string, token = 'tok-1') => p.connections.create({
    tenant: 'acme', connector: 'hooktest', name, config: { base_url: provider.url }, credentials: { token }, skipCheck: true,
  });

  it('subscribes on create and unsubscribes on disconnect', async () => {
    const conn = await create(platform, 'life-1');
    const sent = provider.requests.find((r) => r.method === 'POST' && r.path === '/hooks' && (r.body as { url: string }).url.endsWith(conn.id));
    expect(sent, 'subscribe request sent at create').toBeDefined();
    const info = await platform.connections.get(conn.id);
    expect(info?.status).toBe('active');
    const webhookId = info?.settings?.webhook_id as string;
    expect(provider.subscriptions.has(webhookId)).toBe(true);
    expect(info?.credentialFields).toContain('webhook_secret');

    const gone = await platform.connections.disconnect(conn.id);
    expect(gone.status).toBe('disconnected');
    expect(provider.requests.at(-1)).toMatchObject({ method: 'DELETE', path: `/hooks/${webhookId}` });
    expect(provider.subscriptions.has(webhookId)).toBe(false);
  });

  it('keeps the connection but marks it in error when the provider refuses the subscription', async () => {
    const conn = await create(platform, 'life-2', 'wrong-token');
    expect(conn.status).toBe('error');
    expect(conn.lastError).toMatch(/subscribe|401|unauthor/i);
    expect(JSON.stringify(conn)).not.toContain('wrong-token');
    // Disconnecting still works though nothing was subscribed.
    expect((await platform.connections.disconnect(conn.id)).status).toBe('disconnected');
  });

  it('skips subscribing without a public URL', async () => {
    const before = provider.requests.length;
    const conn = await create(bare, 'life-3');
    expect(conn.status).toBe('active');
    expect(provider.requests.length).toBe(before);
  });
});

/**
 * Renewal of expiring subscriptions, against Microsoft Graph's documented subscription
 * endpoints: one POST /subscriptions per resource asking for less than the resource's
 * maximum lifetime (the fake refuses more, as Graph does), the granted expiry stored, and
 * the durable job renewing each one (PATCH expirationDateTime) at expiry - `renew.before`
 * on an injected clock. A provider outage is retried with backoff; two workers racing over
 * the same due rows renew each once.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConnectors } from '../../engine/plan/index.js';
import type { Platform } from '../../engine/platform/platform.js';
import { createWebhooks } from '../../engine/platform/webhooks/service.js';
import { BASE_URL_SETTING, withBaseUrlOverrides } from '../../engine/runtime/base-url.js';
import { databaseKinds, type TestDatabase } from '../store/databases.js';
import { allPlans, openPlatform } from './helpers.js';
import { startGraph } from './subscription-providers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PUBLIC = 'https://hooks.example.com';
const TOKEN = 'eyJ0eXAiOiJKV1QiLCJub25jZSI6Imdy.test';
const MIN = 60_000;
const MAIL = "me/mailFolders('Inbox')/messages";
const CHAT = 'chats/getAllMessages';

async function plans() {
  const all = new Map(await allPlans());
  for (const [id, plan] of (await loadConnectors(path.join(here, 'fixtures', 'subscriptions'))).plans) all.set(id, plan);
  return all;
}

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`provider subscription renewal on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let platform: Platform;
    let graph: Awaited<ReturnType<typeof startGraph>>;
    let clock = Date.parse('2026-03-02T09:00:00.000Z');
    const tenant = 'graphs';

    beforeAll(async () => {
      db = await kind.create('wh-sub-renew');
      graph = await startGraph(TOKEN, () => clock);
      platform = await openPlatform(db.url, { connectors: await plans(), wrapEngine: withBaseUrlOverrides, webhooks: { publicUrl: PUBLIC }, now: () => clock });
    });
    afterAll(async () => {
      await platform?.close();
      await graph?.close();
      await db?.cleanup();
    });

    const connect = (name: string, config: Record<string, unknown>) => platform.connections.create({
      tenant, connector: 'graphhooks', name, config,
      settings: { [BASE_URL_SETTING]: `${graph.url}/v1.0` }, credentials: { access_token: TOKEN }, skipCheck: true,
    });
    const patches = () => graph.seen.filter((r) => r.method === 'PATCH');
    const rows = async (id: string) => platform.webhooks.subscriptions.list({ tenant, id });

    it('Graph renewal: one POST per resource within its maximum, renewed by the job before expiry, retried while Graph is down', async () => {
      const conn = await connect('renewing', { mail_resources: [MAIL], chat_resources: [CHAT] });
      expect(conn.status).toBe('active');
      const { connection } = await platform.connections.resolve({ tenant, id: conn.id });
      const secret = connection.credentials?.webhook_secret;
      expect(typeof secret).toBe('string');
      const posts = graph.seen.filter((r) => r.method === 'POST');
      expect(posts.map((r) => r.body)).toEqual([
        { changeType: 'created,updated', notificationUrl: `${PUBLIC}/v1/webhooks/graphhooks/${conn.id}`, resource: MAIL, expirationDateTime: new Date(clock + 4200 * MIN).toISOString(), clientState: secret },
        { changeType: 'created', notificationUrl: `${PUBLIC}/v1/webhooks/graphhooks/${conn.id}`, resource: CHAT, expirationDateTime: new Date(clock + 55 * MIN).toISOString(), clientState: secret },
      ]);
      const created = clock;
      let [chat, mail] = await rows(conn.id);
      expect([chat.name, chat.key, mail.name, mail.key]).toEqual(['chats', CHAT, 'mail', MAIL]);
      expect(chat.providerId).toBe([...graph.subscriptions.values()].find((s) => s.resource === CHAT)!.id);
      expect(chat.expiresAt).toBe(new Date(created + 55 * MIN).toISOString());
      expect(chat.nextAttemptAt).toBe(new Date(created + 45 * MIN).toISOString());
      expect(mail.nextAttemptAt).toBe(new Date(created + 4200 * MIN - 6 * 60 * MIN).toISOString());

      // Not yet due: nothing is sent.
      clock = created + 44 * MIN;
      expect(await platform.webhooks.subscriptions.drain()).toBe(0);
      expect(patches()).toHaveLength(0);

      // The chat subscription falls due first and is renewed for another 55 minutes, before it expires.
      clock = created + 46 * MIN;
      expect(await platform.webhooks.subscriptions.drain()).toBe(1);
      expect(patches().map((r) => [r.path, r.body])).toEqual([[`/v1.0/subscriptions/${chat.providerId}`, { expirationDateTime: new Date(clock + 55 * MIN).toISOString() }]]);
      [chat, mail] = await rows(conn.id);
      expect(chat).toMatchObject({ status: 'active', attempts: 0, expiresAt: new Date(clock + 55 * MIN).toISOString(), nextAttemptAt: new Date(clock + 45 * MIN).toISOString() });
      expect(graph.subscriptions.get(chat.providerId!)!.expirationDateTime).toBe(chat.expiresAt);

      // Graph is down when the mail subscription falls due: recorded, retried a minute later.
      graph.down = true;
      clock = Date.parse(mail.nextAttemptAt!) + 1000;
      const outage = clock;
      // The chat subscription is long past due by now as well.
      expect(await platform.webhooks.subscriptions.drain()).toBe(2);
      [chat, mail] = await rows(conn.id);
      expect(mail).toMatchObject({ status: 'active', attempts: 1, nextAttemptAt: new Date(outage + MIN).toISOString() });
      expect(mail.lastError).toMatch(/503/);
      // It had expired before the outage: the job tried to subscribe it again, and will retry that.
      expect(chat).toMatchObject({ status: 'active', attempts: 1, nextAttemptAt: new Date(outage + MIN).toISOString() });
      const oldChat = chat.providerId;

      graph.down = false;
      clock = outage + MIN;
      const backAt = graph.seen.length;
      expect(await platform.webhooks.subscriptions.drain()).toBe(2);
      [chat, mail] = await rows(conn.id);
      expect(mail).toMatchObject({ status: 'active', attempts: 0, expiresAt: new Date(clock + 4200 * MIN).toISOString() });
      expect(mail.lastError).toBeUndefined();
      expect(graph.subscriptions.get(mail.providerId!)!.expirationDateTime).toBe(mail.expiresAt);
      // The expired chat subscription is a new one at Graph: a POST, not a PATCH of the dead id.
      expect(graph.seen.slice(backAt).filter((r) => r.method === 'POST').map((r) => (r.body as { resource: string }).resource)).toEqual([CHAT]);
      expect(chat).toMatchObject({ status: 'active', attempts: 0, expiresAt: new Date(clock + 55 * MIN).toISOString() });
      expect(chat.providerId).not.toBe(oldChat);
      expect(graph.subscriptions.get(chat.providerId!)!.resource).toBe(CHAT);
    });

    it('a subscription Graph removed on its own (404 on renew) is subscribed again', async () => {
      const conn = await connect('vanished', { mail_resources: ['me/contacts'] });
      const [before] = await rows(conn.id);
      graph.subscriptions.delete(before.providerId!);
      clock = Date.parse(before.nextAttemptAt!) + 1000;
      const from = graph.seen.length;
      expect(await platform.webhooks.subscriptions.drain()).toBeGreaterThanOrEqual(1);
      const mine = graph.seen.slice(from).filter((r) => r.path === `/v1.0/subscriptions/${before.providerId}` || (r.method === 'POST' && (r.body as { resource: string }).resource === 'me/contacts'));
      expect(mine.map((r) => r.method)).toEqual(['PATCH', 'POST']);
      const [after] = await rows(conn.id);
      expect(after).toMatchObject({ status: 'active', attempts: 0, expiresAt: new Date(clock + 4200 * MIN).toISOString() });
      expect(after.providerId).not.toBe(before.providerId);
      expect(graph.subscriptions.get(after.providerId!)).toMatchObject({ resource: 'me/contacts', expirationDateTime: after.expiresAt });
    });

    it('two workers racing over the same due renewals renew each once', async () => {
      const resources = ['me/messages', 'me/events', 'me/contacts', "me/mailFolders('Archive')/messages"];
      const conn = await connect('racing', { mail_resources: resources });
      clock = Date.parse((await rows(conn.id))[0].nextAttemptAt!) + 1000;
      const before = patches().length;
      const postsBefore = graph.seen.filter((r) => r.method === 'POST').length;
      const a = createWebhooks({ platform, publicUrl: PUBLIC, registrations: { concurrency: 2 } });
      const b = createWebhooks({ platform, publicUrl: PUBLIC, registrations: { concurrency: 2 } });
      try {
        const [na, nb] = await Promise.all([a.subscriptions.drain(), b.subscriptions.drain()]);
        // Every row due now, the earlier tests' too, is worked by one of the two and sent once
        // (renewed, or subscribed again if it had expired meanwhile).
        const sent = patches().slice(before).map((r) => r.path);
        const again = graph.seen.filter((r) => r.method === 'POST').length - postsBefore;
        expect(na + nb).toBe(sent.length + again);
        expect(new Set(sent).size).toBe(sent.length);
        const mine = (await rows(conn.id)).map((s) => `/v1.0/subscriptions/${s.providerId}`);
        expect(mine).toHaveLength(resources.length);
        for (const p of mine) expect(sent.filter((x) => x === p)).toHaveLength(1);
        expect((await rows(conn.id)).every((s) => s.attempts === 0 && s.expiresAt === new Date(clock + 4200 * MIN).toISOString())).toBe(true);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('the started job renews on its own, without a timer per subscription', async () => {
      const conn = await connect('looping', { mail_resources: ['me/events'] });
      const [row] = await rows(conn.id);
      clock = Date.parse(row.nextAttemptAt!) + 1000;
      const hooks = createWebhooks({ platform, publicUrl: PUBLIC, registrations: { pollMs: 20 } });
      try {
        hooks.start();
        await vi.waitFor(async () => expect((await rows(conn.id))[0].expiresAt).toBe(new Date(clock + 4200 * MIN).toISOString()), { timeout: 5000, interval: 20 });
      } finally {
        await hooks.close();
      }
    });
  });
}

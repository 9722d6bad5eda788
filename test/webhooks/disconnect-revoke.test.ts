/**
 * Disconnecting owes the provider an unsubscribe per subscription and, where the auth
 * method declares `revoke_url`, the revocation of its tokens (RFC 7009). Both are recorded
 * on the connection and sent by the durable job, so a provider that is down neither holds
 * up nor fails the disconnect: the job retries with backoff and records every attempt.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConnectors } from '../../engine/plan/index.js';
import type { Platform } from '../../engine/platform/platform.js';
import { MAX_ATTEMPTS } from '../../engine/platform/webhooks/registrations.js';
import { databaseKinds, type TestDatabase } from '../store/databases.js';
import { startRuntime, type TestRuntime } from '../runtime/helpers.js';
import { allPlans, openPlatform } from './helpers.js';
import { startRevocable } from './subscription-providers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.join(here, 'fixtures', 'subscriptions');
const PUBLIC = 'https://hooks.example.com';
const TOKEN = 'at-0123456789';
const MIN = 60_000;
const CREDENTIALS = { access_token: TOKEN, refresh_token: 'rt-0123456789', client_id: 'client-1', client_secret: 'client-secret-1' };

async function plans() {
  const all = new Map(await allPlans());
  for (const [id, plan] of (await loadConnectors(FIXTURES)).plans) all.set(id, plan);
  return all;
}

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`disconnect: unsubscribe and revoke on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let platform: Platform;
    let provider: Awaited<ReturnType<typeof startRevocable>>;
    let clock = Date.parse('2026-05-11T08:00:00.000Z');
    const tenant = 'leavers';

    beforeAll(async () => {
      db = await kind.create('wh-disconnect-revoke');
      provider = await startRevocable(TOKEN);
      platform = await openPlatform(db.url, { connectors: await plans(), webhooks: { publicUrl: PUBLIC }, now: () => clock });
    });
    afterAll(async () => {
      await platform?.close();
      await provider?.close();
      await db?.cleanup();
    });

    const connect = (name: string) => platform.connections.create({ tenant, connector: 'revokehooks', name, config: { base_url: provider.url }, credentials: CREDENTIALS, skipCheck: true });
    const rows = (id: string) => platform.webhooks.subscriptions.list({ tenant, id });
    const summary = async (id: string) => (await rows(id)).map((s) => [s.kind, s.key, s.status, s.attempts]);

    it('with the provider down the disconnect still completes; the unsubscribes and the revocation are retried later and recorded', async () => {
      const conn = await connect('down');
      expect(provider.hooks.size).toBe(2);
      const hookIds = (await rows(conn.id)).map((s) => s.providerId!);

      provider.down = true;
      const sentBefore = provider.seen.length;
      const disconnected = await platform.connections.disconnect({ tenant, id: conn.id });
      expect(disconnected.status).toBe('disconnected');
      expect(disconnected.credentialFields).toEqual([]);
      // Nothing was sent on the way: the provider could not have held the disconnect up.
      expect(provider.seen.length).toBe(sentBefore);
      expect(await summary(conn.id)).toEqual([
        ['subscription', 'comments', 'unsubscribing', 0],
        ['subscription', 'issues', 'unsubscribing', 0],
        ['revocation', '', 'revoking', 0],
      ]);
      // What the job needs later is kept sealed, never in plain text.
      const stored = await platform.store.knex('provider_subscriptions').where('connection_id', conn.id);
      for (const r of stored) {
        expect(r.credentials).toMatch(/^pbv1\./);
        expect(r.credentials).not.toContain(CREDENTIALS.refresh_token);
      }

      // The job's first attempts meet the outage: each is recorded and put off with backoff.
      expect(await platform.webhooks.subscriptions.drain()).toBe(3);
      const failed = await rows(conn.id);
      for (const s of failed) {
        expect(s).toMatchObject({ attempts: 1, nextAttemptAt: new Date(clock + MIN).toISOString() });
        expect(s.lastError).toMatch(/503/);
        expect(s.lastError).not.toContain(CREDENTIALS.refresh_token);
      }
      expect(failed.map((s) => s.status)).toEqual(['unsubscribing', 'unsubscribing', 'revoking']);
      // Not due again until the backoff has passed.
      expect(await platform.webhooks.subscriptions.drain()).toBe(0);

      provider.down = false;
      clock += MIN;
      const backAt = provider.seen.length;
      expect(await platform.webhooks.subscriptions.drain()).toBe(3);
      expect(provider.hooks.size).toBe(0);
      const deletes = provider.seen.slice(backAt).filter((r) => r.method === 'DELETE');
      expect(deletes.map((r) => r.path).sort()).toEqual(hookIds.map((id) => `/api/hooks/${id}`).sort());
      // The unsubscribes authenticate with the credentials the disconnect wiped from the connection.
      for (const r of deletes) expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
      // RFC 7009 §2.1: the refresh token, hinted, with the client's credentials in the form.
      expect(provider.revoked).toEqual([{ token: CREDENTIALS.refresh_token, token_type_hint: 'refresh_token', client_id: 'client-1', client_secret: 'client-secret-1' }]);
      expect(await summary(conn.id)).toEqual([
        ['subscription', 'comments', 'removed', 0],
        ['subscription', 'issues', 'removed', 0],
        ['revocation', '', 'removed', 0],
      ]);
      const done = await platform.store.knex('provider_subscriptions').where('connection_id', conn.id);
      expect(done.every((r: { credentials: unknown }) => r.credentials === null)).toBe(true);
    });

    it('a subscription the provider no longer has counts as removed; a provider that never comes back is given up after the last attempt', async () => {
      const conn = await connect('gone');
      const [first] = await rows(conn.id);
      provider.hooks.delete(first.providerId!);
      await platform.connections.disconnect({ tenant, id: conn.id });
      expect(await platform.webhooks.subscriptions.drain()).toBe(3);
      // The DELETE of the forgotten one was answered 404: done all the same, nothing recorded as failed.
      expect(provider.seen.some((r) => r.method === 'DELETE' && r.path === `/api/hooks/${first.providerId}`)).toBe(true);
      expect((await rows(conn.id)).map((s) => [s.status, s.lastError])).toEqual([['removed', undefined], ['removed', undefined], ['removed', undefined]]);

      const stuck = await connect('stuck');
      await platform.connections.disconnect({ tenant, id: stuck.id });
      provider.down = true;
      try {
        for (let i = 0; i < MAX_ATTEMPTS; i++) {
          expect(await platform.webhooks.subscriptions.drain()).toBe(3);
          clock += 2 * 60 * MIN;
        }
        expect(await platform.webhooks.subscriptions.drain()).toBe(0);
        const given = await rows(stuck.id);
        expect(given.map((s) => [s.status, s.attempts, s.nextAttemptAt])).toEqual(given.map(() => ['failed', MAX_ATTEMPTS, undefined]));
        expect(given.every((s) => /503/.test(s.lastError ?? ''))).toBe(true);
        const kept = await platform.store.knex('provider_subscriptions').where('connection_id', stuck.id);
        expect(kept.every((r: { credentials: unknown }) => r.credentials === null)).toBe(true);
      } finally {
        provider.down = false;
      }
    });
  });
}

describe('disconnect over HTTP shows what it left owed', () => {
  let rt: TestRuntime;
  let dir: string;
  let provider: Awaited<ReturnType<typeof startRevocable>>;
  const previous = process.env.PATCHBAY_PUBLIC_URL;

  beforeAll(async () => {
    provider = await startRevocable(TOKEN);
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-revoke-'));
    cpSync(path.join(FIXTURES, 'revokehooks'), path.join(dir, 'revokehooks'), { recursive: true });
    process.env.PATCHBAY_PUBLIC_URL = PUBLIC;
    rt = await startRuntime({ connectorsDir: dir });
  });
  afterAll(async () => {
    if (previous === undefined) delete process.env.PATCHBAY_PUBLIC_URL;
    else process.env.PATCHBAY_PUBLIC_URL = previous;
    await rt?.close();
    await provider?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GET /v1/connections/:id lists the subscriptions; DELETE answers at once with the unsubscribes and the revocation pending', async () => {
    const key = await rt.keyFor('acme');
    const created = await rt.call('POST', '/v1/connections', { key, body: { connector: 'revokehooks', name: 'http', config: { base_url: provider.url }, credentials: CREDENTIALS, skip_check: true } });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id;
    const got = await rt.call('GET', `/v1/connections/${id}`, { key });
    expect(got.status, got.text).toBe(200);
    expect(got.body.subscriptions).toEqual(['comments', 'issues'].map((topic) => expect.objectContaining({
      kind: 'subscription', name: 'topics', key: topic, status: 'active', attempts: 0, provider_id: expect.stringMatching(/^h\d+$/),
    })));
    expect(new Set(got.body.subscriptions.map((s: { provider_id: string }) => s.provider_id))).toEqual(new Set(provider.hooks.keys()));

    provider.down = true;
    try {
      const gone = await rt.call('DELETE', `/v1/connections/${id}`, { key });
      expect(gone.status, gone.text).toBe(200);
      expect(gone.body.status).toBe('disconnected');
      expect(gone.body.subscriptions.map((s: { kind: string; status: string }) => [s.kind, s.status])).toEqual([
        ['subscription', 'unsubscribing'], ['subscription', 'unsubscribing'], ['revocation', 'revoking'],
      ]);
      // The revocation names the auth method, not a credential.
      expect(JSON.stringify(gone.body)).not.toContain(CREDENTIALS.refresh_token);
    } finally {
      provider.down = false;
    }
  });
});

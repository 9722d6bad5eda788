/**
 * A connector whose every connection shares one operator-set signing secret: a genuine
 * delivery for tenant A's account, replayed to tenant B's per-connection URL, verifies (the
 * secret is the same) but must not be stored under B. Over the real runtime.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRuntime, type TestRuntime } from '../runtime/helpers.js';

const MANIFEST = `
patchbay: 1
id: sharedhooks
name: Shared-secret hooks
categories: [testing]
secrets:
  type: object
  properties:
    signing: { type: string }
auth: { type: none }
http: { base_url: "https://example.invalid" }
webhooks:
  verify:
    type: standard_webhooks
    secret: "{{secrets.signing}}"
  connection:
    match: event.account
    setting: account
    secret: "{{secrets.signing}}"
  id: event.id
  type: event.type
`;
const SECRET = `whsec_${Buffer.from('shared-operator-key-0123456789ab').toString('base64')}`;

describe('a secret shared by every connection does not let a delivery cross tenants', () => {
  let rt: TestRuntime;
  let dir: string;
  const conns: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-shared-'));
    mkdirSync(path.join(dir, 'sharedhooks'));
    writeFileSync(path.join(dir, 'sharedhooks', 'connector.yaml'), MANIFEST);
    rt = await startRuntime({ connectorsDir: dir });
    const c = rt.running.platform.connections;
    // `learned` is how the OAuth flow records an account the provider named.
    conns.a = (await c.create({ tenant: 'alice', connector: 'sharedhooks', name: 'a', learned: { account: 'acc-A' }, skipCheck: true })).id;
    conns.b = (await c.create({ tenant: 'bob', connector: 'sharedhooks', name: 'b', learned: { account: 'acc-B' }, skipCheck: true })).id;
    expect((await rt.call('PUT', '/v1/connectors/sharedhooks/secrets', { key: rt.adminKey, body: { signing: SECRET } })).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const signed = (body: object) => {
    const text = JSON.stringify(body);
    const id = `msg_${(body as { id: string }).id}`;
    const at = new Date();
    return { raw: text, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(SECRET).sign(id, at, text) } };
  };
  const ids = async (tenant: string) => (await rt.call('GET', '/v1/webhook-events', { key: await rt.keyFor(tenant) })).body.events.map((e: { provider_event_id: string }) => e.provider_event_id);

  it("stores an event on its own account's URL, refuses it on another tenant's", async () => {
    const mine = await rt.call('POST', `/v1/webhooks/sharedhooks/${conns.a}`, signed({ id: 'e1', type: 'thing.created', account: 'acc-A' }));
    expect(mine.status, mine.text).toBe(200);
    const replayed = await rt.call('POST', `/v1/webhooks/sharedhooks/${conns.b}`, signed({ id: 'e2', type: 'thing.created', account: 'acc-A' }));
    expect(replayed.status, replayed.text).toBe(404);
    expect(await ids('alice')).toEqual(['e1']);
    expect(await ids('bob')).toEqual([]);
    // The connector-level URL routes it by the proven account, verified with the operator's secret.
    const shared = await rt.call('POST', '/v1/webhooks/sharedhooks', signed({ id: 'e3', type: 'thing.created', account: 'acc-B' }));
    expect(shared.status, shared.text).toBe(200);
    expect(await ids('bob')).toEqual(['e3']);
  });
});

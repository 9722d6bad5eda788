/**
 * A webhook verification kind and a route action registered from outside the package,
 * through its entries only: a manifest using them validates with no diagnostics, their
 * fields are checked like built-in ones (a stream name, a required field), and a platform
 * verifies deliveries with the new kind and runs the new action after the built-in ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSource, manifestSchema, registerRouteKind, registerVerifier, validateSource } from '../../engine/index.js';
import { createPlatform, createWebhooks, type NormalizedEvent, type Platform, type WebhooksService } from '../../engine/platform/index.js';
import { databaseKinds, KEY_A, type TestDatabase } from '../store/databases.js';
import { sharedToken } from './kinds/shared-token.js';
import { tally } from './kinds/tally.js';

registerVerifier(sharedToken);
registerRouteKind(tally);

const FILE = '/virtual/ledger/connector.yaml';
const MANIFEST = `patchbay: 1
id: ledger
name: Ledger
credentials:
  type: object
  properties:
    token: { type: string }
    webhook_token: { type: string }
auth:
  type: bearer
http:
  base_url: https://ledger.invalid
streams:
  orders:
    request: { path: /orders }
    records: orders
    primary_key: id
webhooks:
  verify:
    type: shared_token
    header: X-Ledger-Token
    secret: "{{credentials.webhook_token}}"
  id: body.id
  type: body.type
  routes:
    - on: [order.paid]
      tally: { stream: orders, amount: body.order.lines.amount }
      upsert: { stream: orders, record: body.order }
`;

describe('webhook kinds registered from outside', () => {
  it('get their own schema sections, and the route lists the action', () => {
    const defs = manifestSchema().$defs as Record<string, { properties?: Record<string, unknown>; required?: string[]; allOf?: unknown[] }>;
    expect(Object.keys(defs.verify_shared_token.properties!)).toEqual(['type', 'secret', 'header']);
    expect(defs.verify_shared_token.required).toEqual(['type', 'header', 'secret']);
    expect(defs.webhook_route.properties!.tally).toEqual({ $ref: '#/$defs/route_tally' });
    expect(defs.route_tally.properties!.amount).toMatchObject({ description: expect.stringMatching(/\(JSONata expression\)$/) });
  });

  it('validate a manifest that uses them, with no diagnostics', () => {
    expect(validateSource(MANIFEST, FILE).diagnostics).toEqual([]);
  });

  it('check their fields like built-in ones: a stream name, a required field, the expression', () => {
    const unknownStream = validateSource(MANIFEST.replace('tally: { stream: orders', 'tally: { stream: ordrs'), FILE).diagnostics;
    expect(unknownStream.map((d) => [d.code, d.path])).toContainEqual(['unknown-stream', 'webhooks.routes.0.tally.stream']);
    expect(unknownStream.find((d) => d.code === 'unknown-stream')?.hint).toMatch(/orders/);
    const noHeader = validateSource(MANIFEST.replace('    header: X-Ledger-Token\n', ''), FILE).diagnostics;
    expect(noHeader.map((d) => [d.code, d.path])).toContainEqual(['missing-key', 'webhooks.verify']);
    const badExpr = validateSource(MANIFEST.replace('amount: body.order.lines.amount', 'amount: "body.order.lines.("'), FILE).diagnostics;
    expect(badExpr.map((d) => d.path)).toContain('webhooks.routes.0.tally.amount');
  });

  it('compile to their configs, the action after the built-in ones', () => {
    const { plan } = compileSource(MANIFEST, FILE);
    expect(plan!.webhooks!.verify).toMatchObject({ type: 'shared_token', header: 'x-ledger-token', secretEncoding: 'utf8' });
    expect(plan!.webhooks!.routes[0].actions.map((a) => a.type)).toEqual(['upsert', 'tally']);
  });

  describe('on a platform', () => {
    let db: TestDatabase;
    let platform: Platform;
    let hooks: WebhooksService;
    let connectionId: string;
    const emitted: NormalizedEvent[] = [];

    beforeAll(async () => {
      db = await databaseKinds()[0].create('ext-webhook-kinds');
      const { plan, diagnostics } = compileSource(MANIFEST, FILE);
      expect(diagnostics).toEqual([]);
      platform = await createPlatform({ database: db.url, connectors: new Map([['ledger', plan!]]), secretKeys: KEY_A });
      hooks = createWebhooks({ platform, worker: { pollMs: 25 } });
      hooks.on('event', (e) => { emitted.push(e); });
      const c = await platform.connections.create({ tenant: 't1', connector: 'ledger', name: 'l', credentials: { token: 'tok', webhook_token: 'wh-token-1' }, skipCheck: true });
      connectionId = c.id;
    });
    afterAll(async () => {
      await hooks?.close();
      await platform?.close();
      await db?.cleanup();
    });

    const deliver = (headers: Record<string, string>, id: string) => hooks.receive({
      connectorId: 'ledger', connectionId, method: 'POST', url: `/v1/webhooks/ledger/${connectionId}`,
      headers: { 'content-type': 'application/json', ...headers },
      rawBody: Buffer.from(JSON.stringify({ id, type: 'order.paid', order: { id: 'o-1', lines: [{ amount: 5 }, { amount: 7 }] } })),
    });

    it('refuses a delivery with the wrong token or none, with the kind\'s reason', async () => {
      expect((await deliver({ 'x-ledger-token': 'wh-token-2' }, 'e-bad')).status).toBe(401);
      expect((await deliver({}, 'e-none')).status).toBe(401);
      const logged = (await hooks.list({ tenant: 't1' })).items;
      expect(logged.map((e) => [e.status, e.reason]).sort()).toEqual([['rejected', 'bad_signature'], ['rejected', 'missing_signature']]);
      expect(await hooks.drain()).toBe(0);
    });

    it('accepts the right token, writes the record, then runs the action', async () => {
      expect((await deliver({ 'x-ledger-token': 'wh-token-1' }, 'e-1')).status).toBe(200);
      expect(await hooks.drain()).toBe(1);
      expect(await platform.records.get(connectionId, 'orders', 'o-1')).toMatchObject({ data: { id: 'o-1' } });
      expect(emitted).toEqual([expect.objectContaining({ type: 'orders.tallied', connection: connectionId, tenant: 't1', data: { total: 12 } })]);
    });
  });
});

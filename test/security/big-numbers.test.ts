/**
 * Provider ids past 2^53 keep every digit. JSON.parse rounds Shopify's customer id
 * 706405506930370084 to 706405506930370000, so the record would be stored, emitted and
 * written back under another object's id. Over the real runtime: a local server answers
 * with Shopify's documented shapes, a sync stores the page, a signed webhook delivery is
 * stored, routed into a record and emitted to a subscriber.
 *
 * Shapes and ids are Shopify's documented samples: the Order resource
 * (https://shopify.dev/docs/api/admin-rest/latest/resources/order: order 450789469 of
 * customer 207119551) and the `customers/create` webhook's sample payload
 * (https://shopify.dev/docs/api/webhooks?reference=toml: customer 706405506930370084,
 * bob@biller.com), with the order webhook sample's id 820982911946154508. Shopify signs a
 * webhook with the app secret: base64 HMAC-SHA256 of the raw body in X-Shopify-Hmac-Sha256.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../../engine/core/json.js';
import { startReceiver, type Receiver } from '../deliveries/helpers.js';
import { startServer, type TestServer } from '../http/server.js';
import { startRuntime, type TestRuntime } from '../runtime/helpers.js';

const BIG_CUSTOMER = '706405506930370084';
const BIG_ORDER = '820982911946154508';
// An earlier order whose id is the same double as BIG_ORDER's: only exact digits tell them apart.
const NEIGHBOUR = '820982911946154450';
const WEBHOOK_SECRET = 'shpss_big_numbers_test_secret';

const MANIFEST = `
patchbay: 1
id: shopdemo
name: Shop demo
categories: [testing]
credentials:
  type: object
  required: [token, webhook_secret]
  properties:
    token: { type: string }
    webhook_secret: { type: string }
auth: { type: api_key, in: header, name: X-Shopify-Access-Token, value: "{{credentials.token}}" }
http: { base_url: "https://shop.example.invalid" }
streams:
  orders:
    primary_key: id
    request: { path: /admin/api/2024-10/orders.json, query: { since_id: "{{state.cursor}}" } }
    records: orders
    cursor: { field: id }
    mapping: >-
      { "id": id, "id_type": $type(id), "customer_id": customer.id, "email": email,
        "customer_path": "/customers/" & customer.id }
  customers:
    primary_key: id
    request: { path: /admin/api/2024-10/customers.json }
    records: customers
    mapping: '{ "id": id, "id_type": $type(id), "email": email, "note": note }'
webhooks:
  verify:
    type: hmac
    algorithm: sha256
    secret: "{{credentials.webhook_secret}}"
    signature: { header: x-shopify-hmac-sha256, encoding: base64 }
  id: headers.\`x-shopify-webhook-id\`
  type: $replace(headers.\`x-shopify-topic\`, "/", ".")
  routes:
    - on: [customers.create]
      upsert: { stream: customers, record: body }
    - on: [customers.create]
      emit: { event: contact.created, data: '{ "id": body.id, "email": body.email }' }
`;

// As Shopify sends them: the ids are bare JSON numbers, so they are written out by hand.
const ORDERS_PAGE = `{"orders":[
  {"id":450789469,"email":"bob.norman@mail.example.com","admin_graphql_api_id":"gid://shopify/Order/450789469","customer":{"id":207119551,"email":"bob.norman@mail.example.com"}},
  {"id":${NEIGHBOUR},"email":"bob@biller.com","admin_graphql_api_id":"gid://shopify/Order/${NEIGHBOUR}","customer":{"id":${BIG_CUSTOMER},"email":"bob@biller.com"}},
  {"id":${BIG_ORDER},"email":"bob@biller.com","admin_graphql_api_id":"gid://shopify/Order/${BIG_ORDER}","customer":{"id":${BIG_CUSTOMER},"email":"bob@biller.com"}}
]}`;
const CUSTOMER_CREATED = `{"id":${BIG_CUSTOMER},"email":"bob@biller.com","accepts_marketing":true,"created_at":null,"updated_at":null,"first_name":"Bob","last_name":"Biller","orders_count":0,"state":"disabled","total_spent":"0.00","last_order_id":null,"note":"This customer loves ice cream","verified_email":true,"admin_graphql_api_id":"gid://shopify/Customer/${BIG_CUSTOMER}"}`;

describe('integers past 2^53 from a provider keep every digit', () => {
  let rt: TestRuntime;
  let shop: TestServer;
  let receiver: Receiver;
  let dir: string;
  let key: string;
  let conn: string;
  let subscription: { id: string; secret: string };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-bignum-'));
    mkdirSync(path.join(dir, 'shopdemo'));
    writeFileSync(path.join(dir, 'shopdemo', 'connector.yaml'), MANIFEST);
    shop = await startServer((req) => ({ headers: { 'content-type': 'application/json; charset=utf-8' }, body: !req.path.endsWith('/orders.json') ? '{"customers":[]}' : req.query.has('since_id') ? '{"orders":[]}' : ORDERS_PAGE }));
    receiver = await startReceiver();
    rt = await startRuntime({ connectorsDir: dir });
    key = await rt.keyFor('acme');
    const created = await rt.call('POST', '/v1/connections', {
      key, body: { connector: 'shopdemo', name: 'shop', credentials: { token: 'shpat_test', webhook_secret: WEBHOOK_SECRET }, base_url: shop.url, skip_check: true },
    });
    expect(created.status, created.text).toBe(201);
    conn = created.body.id;
    const sub = await rt.call('POST', '/v1/subscriptions', { key, body: { url: receiver.url, events: ['contact.*'] } });
    expect(sub.status, sub.text).toBe(201);
    subscription = sub.body;
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
    await shop?.close();
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a synced page stores the ids exactly, as strings the mapping sees, the records API returns them, and the next sync resumes after the newest', async () => {
    const run = await rt.call('POST', `/v1/connections/${conn}/streams/orders/sync?wait=true`, { key });
    expect(run.status, run.text).toBe(200);
    expect(run.body).toMatchObject({ status: 'success', records: { written: 3 } });

    const res = await rt.call('GET', `/v1/connections/${conn}/streams/orders/records`, { key });
    expect(res.status, res.text).toBe(200);
    const byId = Object.fromEntries(res.body.records.map((r: { id: string; data: unknown }) => [r.id, r.data]));
    expect(Object.keys(byId).sort()).toEqual(['450789469', NEIGHBOUR, BIG_ORDER]);
    // Safe integers stay numbers; the big ones are their exact digits, and JSONata saw strings.
    expect(byId['450789469']).toEqual({ id: 450789469, id_type: 'number', customer_id: 207119551, email: 'bob.norman@mail.example.com', customer_path: '/customers/207119551' });
    expect(byId[BIG_ORDER]).toEqual({ id: BIG_ORDER, id_type: 'string', customer_id: BIG_CUSTOMER, email: 'bob@biller.com', customer_path: `/customers/${BIG_CUSTOMER}` });
    expect(res.text).toContain(`"customer_id":"${BIG_CUSTOMER}"`);
    expect(res.text).not.toContain('706405506930370000');

    // The change feed (what a host follows) carries the same digits.
    const changes = await rt.call('GET', `/v1/connections/${conn}/streams/orders/changes`, { key });
    expect(changes.status, changes.text).toBe(200);
    expect(changes.body.changes.map((c: { id: string; data: { customer_id: unknown } }) => [c.id, c.data.customer_id]))
      .toEqual(expect.arrayContaining([[BIG_ORDER, BIG_CUSTOMER], [NEIGHBOUR, BIG_CUSTOMER], ['450789469', 207119551]]));

    // The cursor is the newest id, digit for digit: the next sync asks for what came after it.
    const again = await rt.call('POST', `/v1/connections/${conn}/streams/orders/sync?wait=true`, { key });
    expect(again.body).toMatchObject({ status: 'success' });
    const asked = shop.seen.filter((r) => r.path.endsWith('/orders.json')).map((r) => r.query.get('since_id'));
    expect(asked).toEqual([null, BIG_ORDER]);
  });

  it('a webhook delivery keeps the id in the stored payload, the upserted record and the emitted event', async () => {
    const headers = {
      'content-type': 'application/json',
      'x-shopify-topic': 'customers/create',
      'x-shopify-webhook-id': randomUUID(),
      'x-shopify-hmac-sha256': createHmac('sha256', WEBHOOK_SECRET).update(CUSTOMER_CREATED).digest('base64'),
    };
    // Verification reads the bytes sent: the body re-serialised with rounded digits is refused.
    const rounded = JSON.stringify(JSON.parse(CUSTOMER_CREATED));
    expect(rounded).toContain('706405506930370000');
    expect((await rt.call('POST', `/v1/webhooks/shopdemo/${conn}`, { raw: rounded, headers })).status).toBe(401);
    const res = await rt.call('POST', `/v1/webhooks/shopdemo/${conn}`, { raw: CUSTOMER_CREATED, headers });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ received: 1 });
    expect(await rt.running.platform.webhooks.drain()).toBe(1);

    const list = await rt.call('GET', `/v1/webhook-events?connection=${conn}&status=processed`, { key });
    expect(list.body.events).toHaveLength(1);
    const [summary] = list.body.events;
    expect(summary).toMatchObject({ type: 'customers.create', status: 'processed' });
    const event = await rt.call('GET', `/v1/webhook-events/${summary.id}`, { key });
    expect(event.status, event.text).toBe(200);
    expect(event.body.payload).toMatchObject({ id: BIG_CUSTOMER, admin_graphql_api_id: `gid://shopify/Customer/${BIG_CUSTOMER}`, orders_count: 0 });

    const records = await rt.call('GET', `/v1/connections/${conn}/streams/customers/records`, { key });
    expect(records.status, records.text).toBe(200);
    expect(records.body.records.map((r: { id: string }) => r.id)).toEqual([BIG_CUSTOMER]);
    expect(records.body.records[0].data).toEqual({ id: BIG_CUSTOMER, id_type: 'string', email: 'bob@biller.com', note: 'This customer loves ice cream' });

    await rt.running.platform.deliveries.runOnce();
    expect(receiver.received).toHaveLength(1);
    const sent = new Webhook(subscription.secret).verify(receiver.received[0].body, receiver.received[0].headers as Record<string, string>) as { type: string; data: unknown };
    expect(sent).toMatchObject({ type: 'contact.created', data: { id: BIG_CUSTOMER, email: 'bob@biller.com' } });
  });
});

describe('parseJson', () => {
  it('keeps unsafe integer literals as their digits and is JSON.parse for everything else', () => {
    expect(parseJson('{"a":9007199254740991,"b":9007199254740992,"c":-9007199254740993,"d":[12345678901234567890]}'))
      .toEqual({ a: 9007199254740991, b: '9007199254740992', c: '-9007199254740993', d: ['12345678901234567890'] });
    expect(parseJson('706405506930370084')).toBe('706405506930370084');
    // Floats are floats: a fraction or an exponent is rounded as JSON.parse rounds it.
    for (const text of ['{"p":0.12345678901234567891}', '{"p":9007199254740993.0}', '{"p":1e400}', '{"p":12345678901234567e3}']) {
      expect(parseJson(text), text).toEqual(JSON.parse(text));
    }
    // Digits inside strings, and 16-digit safe integers, change nothing.
    const text = '{"s":"a, 12345678901234567890","t":"x:99999999999999999999","m":1700000000000000,"big":[1, 9007199254740993]}';
    expect(parseJson(text)).toEqual({ s: 'a, 12345678901234567890', t: 'x:99999999999999999999', m: 1700000000000000, big: [1, '9007199254740993'] });
  });

  it('treats repeated keys and __proto__ as JSON.parse does, and throws its SyntaxError', () => {
    const dup = '{"id":1,"id":9007199254740993,"__proto__":{"polluted":true}}';
    const v = parseJson(dup) as Record<string, unknown>;
    expect(v.id).toBe('9007199254740993');
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(v, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(() => parseJson('{"id":9007199254740993,')).toThrow(SyntaxError);
    expect(() => parseJson('{"id":9007199254740993,')).toThrow(/JSON/);
  });
});

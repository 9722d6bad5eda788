/**
 * Providers' subscription endpoints over real sockets, in their documented wire formats:
 * Shopify's REST webhooks, Microsoft Graph's subscriptions (with the per-resource maximum
 * lifetime enforced), and an RFC 7009 revocation endpoint. `down` answers 503 to
 * everything, as a provider in an outage does.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface Seen {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body?: unknown;
  /** The form fields of a form-encoded body. */
  form?: Record<string, string>;
}

export interface FakeServer {
  url: string;
  seen: Seen[];
  down: boolean;
  close(): Promise<void>;
}

type Handler = (req: Seen, send: (status: number, payload?: unknown) => void) => void;

async function serve<T extends object>(extra: T, handle: Handler): Promise<FakeServer & T> {
  const s = Object.assign({ url: '', seen: [] as Seen[], down: false, close: async (): Promise<void> => undefined }, extra);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const form = String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      const seen: Seen = {
        method: req.method ?? '',
        path: new URL(req.url ?? '/', 'http://x').pathname,
        headers: req.headers,
        ...(text && !form ? { body: JSON.parse(text) } : {}),
        ...(form ? { form: Object.fromEntries(new URLSearchParams(text)) } : {}),
      };
      s.seen.push(seen);
      const send = (status: number, payload?: unknown) => {
        res.writeHead(status, payload === undefined ? {} : { 'content-type': 'application/json' });
        res.end(payload === undefined ? undefined : JSON.stringify(payload));
      };
      if (s.down) return send(503, { error: 'temporarily_unavailable' });
      handle(seen, send);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  s.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  s.close = () => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
  return s;
}

export interface ShopifyWebhook {
  id: number;
  topic: string;
  address: string;
  format: string;
}

/**
 * https://shopify.dev/docs/api/admin-rest/latest/resources/webhook: `X-Shopify-Access-Token`,
 * POST /admin/api/<version>/webhooks.json → 201 {"webhook": {...}}, a topic already subscribed
 * at the address → 422; DELETE /admin/api/<version>/webhooks/<id>.json → 200 {}.
 */
export function startShopify(token: string, version = '2024-10') {
  let nextId = 4759306;
  const webhooks = new Map<number, ShopifyWebhook>();
  const base = `/admin/api/${version}`;
  return serve({ webhooks }, (req, send) => {
    if (req.headers['x-shopify-access-token'] !== token) {
      return send(401, { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
    }
    if (req.method === 'POST' && req.path === `${base}/webhooks.json`) {
      const w = (req.body as { webhook?: Partial<ShopifyWebhook> })?.webhook ?? {};
      if (!w.topic || !w.address) return send(422, { errors: { topic: ["can't be blank"] } });
      if ([...webhooks.values()].some((x) => x.topic === w.topic && x.address === w.address)) {
        return send(422, { errors: { address: ['for this topic has already been taken'] } });
      }
      const now = new Date().toISOString();
      const hook: ShopifyWebhook = { id: nextId++, topic: w.topic, address: w.address, format: w.format ?? 'json' };
      webhooks.set(hook.id, hook);
      return send(201, { webhook: { ...hook, created_at: now, updated_at: now, fields: [], metafield_namespaces: [], api_version: version, private_metafield_namespaces: [] } });
    }
    const m = new RegExp(`^${base}/webhooks/(\\d+)\\.json$`).exec(req.path);
    if (req.method === 'DELETE' && m) {
      if (!webhooks.delete(Number(m[1]))) return send(404, { errors: 'Not Found' });
      return send(200, {});
    }
    send(404, { errors: 'Not Found' });
  });
}

export interface GraphSubscription {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  clientState?: string;
  expirationDateTime: string;
}

/**
 * The maximum lifetime per resource, from the "maximum length of subscription per resource
 * type" table (https://learn.microsoft.com/graph/api/resources/subscription): Teams chat
 * messages 60 minutes; Outlook messages 4230 minutes in the table's long-standing version
 * (the stricter of its versions, so a manifest passing here passes Graph today).
 */
export function graphMaxMinutes(resource: string): number {
  if (/^(chats|teams)\b/.test(resource)) return 60;
  return 4230;
}

/**
 * https://learn.microsoft.com/graph/api/subscription-post-subscriptions (201 with the
 * subscription), .../subscription-update (PATCH expirationDateTime → 200),
 * .../subscription-delete (204). An expiry past the resource's maximum is refused with 400,
 * as Graph does. `now` is the test's clock.
 */
export function startGraph(token: string, now: () => number) {
  const subscriptions = new Map<string, GraphSubscription>();
  const tooLong = (resource: string, expiration: unknown) => {
    const at = Date.parse(String(expiration));
    const max = graphMaxMinutes(resource);
    if (Number.isNaN(at) || at <= now()) return 'expirationDateTime must be in the future';
    return at - now() > max * 60_000 ? `Subscription expiration can only be ${max} minutes in the future.` : undefined;
  };
  const odata = (s: GraphSubscription) => ({
    '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity',
    ...s,
    applicationId: '24d3b144-21ae-4080-943f-7067b395b913',
    creatorId: '8ee44408-0679-472c-bc2a-692812af3437',
    latestSupportedTlsVersion: 'v1_2',
  });
  return serve({ subscriptions }, (req, send) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      return send(401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' } });
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (req.method === 'POST' && req.path === '/v1.0/subscriptions') {
      const refused = tooLong(String(body.resource), body.expirationDateTime);
      if (refused) return send(400, { error: { code: 'ExtensionError', message: refused } });
      const s: GraphSubscription = {
        id: randomUUID(),
        resource: String(body.resource),
        changeType: String(body.changeType),
        notificationUrl: String(body.notificationUrl),
        clientState: body.clientState as string | undefined,
        expirationDateTime: new Date(Date.parse(String(body.expirationDateTime))).toISOString(),
      };
      subscriptions.set(s.id, s);
      return send(201, odata(s));
    }
    const m = /^\/v1\.0\/subscriptions\/([^/]+)$/.exec(req.path);
    const s = m ? subscriptions.get(m[1]) : undefined;
    if (m && !s) return send(404, { error: { code: 'ResourceNotFound', message: `The object was not found.` } });
    if (req.method === 'PATCH' && s) {
      const refused = tooLong(s.resource, body.expirationDateTime);
      if (refused) return send(400, { error: { code: 'ExtensionError', message: refused } });
      s.expirationDateTime = new Date(Date.parse(String(body.expirationDateTime))).toISOString();
      return send(200, odata(s));
    }
    if (req.method === 'DELETE' && s) {
      subscriptions.delete(s.id);
      return send(204);
    }
    send(404, { error: { code: 'BadRequest', message: 'Resource not found for the segment.' } });
  });
}

/**
 * Topic hooks behind a bearer token, and an RFC 7009 revocation endpoint
 * (https://www.rfc-editor.org/rfc/rfc7009#section-2): the form's `token` is revoked, 200
 * also for a token it does not know (§2.2).
 */
export function startRevocable(token: string) {
  let nextId = 1;
  const hooks = new Map<string, { topic: string; url: string }>();
  const revoked: Array<Record<string, string>> = [];
  return serve({ hooks, revoked }, (req, send) => {
    if (req.method === 'POST' && req.path === '/oauth/revoke') {
      if (!req.form?.token) return send(400, { error: 'invalid_request' });
      revoked.push(req.form);
      return send(200);
    }
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, { error: 'invalid_token' });
    if (req.method === 'POST' && req.path === '/api/hooks') {
      const id = `h${nextId++}`;
      hooks.set(id, req.body as { topic: string; url: string });
      return send(201, { id });
    }
    const m = /^\/api\/hooks\/([^/]+)$/.exec(req.path);
    if (req.method === 'DELETE' && m) {
      if (!hooks.delete(m[1])) return send(404, { error: 'not_found' });
      return send(204);
    }
    send(404, { error: 'not_found' });
  });
}

/**
 * A provider shaped like Stripe's API over a real socket, for the shipped stripe connector
 * with its base URL overridden: bearer keys, form-encoded writes, `starting_after` pages
 * with `has_more`, Stripe's error bodies, and hooks to slow down or fail a request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeCustomer {
  id: string;
  object: 'customer';
  email: string | null;
  name: string | null;
  created: number;
  livemode: boolean;
  metadata: Record<string, string>;
}

export interface FakeStripe {
  url: string;
  /** Accepted secret keys. */
  keys: Set<string>;
  customers: FakeCustomer[];
  /** Every request: method, path, authorization and Idempotency-Key headers, raw body. */
  seen: Array<{ method: string; path: string; authorization?: string; idempotencyKey?: string; body: string }>;
  /** Delay (ms) before answering a path, e.g. `/v1/customers/cus_slow`. */
  delays: Map<string, number>;
  /** A reply to send instead, for one path. */
  override: Map<string, { status: number; body: unknown; headers?: Record<string, string> }>;
  close(): Promise<void>;
}

export function makeCustomers(n: number): FakeCustomer[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `cus_${String(n - i).padStart(4, '0')}`,
    object: 'customer' as const,
    email: `c${n - i}@example.com`,
    name: `Customer ${n - i}`,
    created: 1_700_000_000 + (n - i),
    livemode: false,
    metadata: {},
  }));
}

const stripeError = (type: string, message: string, code?: string) => ({ error: { type, message, ...(code ? { code } : {}) } });

export async function startFakeStripe(opts: { keys?: string[]; customers?: number } = {}): Promise<FakeStripe> {
  const api: FakeStripe = {
    url: '',
    keys: new Set(opts.keys ?? ['sk_test_good123']),
    customers: makeCustomers(opts.customers ?? 5),
    seen: [],
    delays: new Map(),
    override: new Map(),
    close: async () => undefined,
  };
  let next = 1000;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', async () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const idem = req.headers['idempotency-key'];
      api.seen.push({ method: req.method ?? 'GET', path: u.pathname, authorization: req.headers.authorization, idempotencyKey: typeof idem === 'string' ? idem : undefined, body });
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${next++}`, ...headers });
        res.end(JSON.stringify(payload));
      };
      const delay = api.delays.get(u.pathname);
      if (delay) await new Promise((r) => setTimeout(r, delay));
      const forced = api.override.get(u.pathname);
      if (forced) return send(forced.status, forced.body, forced.headers);

      const key = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!key || !api.keys.has(key)) {
        // Stripe echoes part of the key; echo all of it to prove the runtime redacts it.
        return send(401, stripeError('invalid_request_error', `Invalid API Key provided: ${key ?? ''}`));
      }
      if (req.method === 'GET' && u.pathname === '/v1/account') {
        return send(200, { id: 'acct_fake', object: 'account', email: 'owner@example.com', country: 'US', default_currency: 'usd', charges_enabled: true, business_profile: { name: 'Fake Ltd' } });
      }
      if (req.method === 'GET' && u.pathname === '/v1/customers') {
        const limit = Number(u.searchParams.get('limit') ?? 10);
        const after = u.searchParams.get('starting_after');
        const start = after ? api.customers.findIndex((c) => c.id === after) + 1 : 0;
        const data = api.customers.slice(start, start + limit);
        return send(200, { object: 'list', data, has_more: start + limit < api.customers.length, url: '/v1/customers' });
      }
      if (req.method === 'POST' && u.pathname === '/v1/customers') {
        const form = new URLSearchParams(body);
        const c: FakeCustomer = {
          id: `cus_new${next++}`, object: 'customer', email: form.get('email'), name: form.get('name'),
          created: 1_800_000_000, livemode: false, metadata: {},
        };
        api.customers.unshift(c);
        return send(200, c);
      }
      const one = /^\/v1\/customers\/([^/]+)$/.exec(u.pathname);
      if (req.method === 'GET' && one) {
        const c = api.customers.find((x) => x.id === decodeURIComponent(one[1]));
        if (c) return send(200, c);
        if (one[1] === 'cus_slow') return send(200, { ...api.customers[0], id: 'cus_slow' });
        return send(404, stripeError('invalid_request_error', `No such customer: '${one[1]}'`, 'resource_missing'));
      }
      send(404, stripeError('invalid_request_error', `Unrecognized request URL (${req.method}: ${u.pathname})`));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.close = () => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
  return api;
}

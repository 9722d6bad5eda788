/** The hooktest provider over a real socket: an items list, and webhook subscriptions. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeProvider {
  url: string;
  items: Array<{ id: number; name: string; updated_at: string }>;
  /** Status to answer /items with instead of the list (e.g. 500). */
  failItems?: number;
  itemRequests: number;
  subscriptions: Map<string, { url: string; secret: string; events: string[] }>;
  requests: Array<{ method: string; path: string; authorization?: string; body?: unknown }>;
  close(): Promise<void>;
}

export async function startFakeProvider(token = 'tok-1'): Promise<FakeProvider> {
  const p: FakeProvider = { url: '', items: [], itemRequests: 0, subscriptions: new Map(), requests: [], close: async () => undefined };
  let nextHook = 42;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? JSON.parse(text) : undefined;
      p.requests.push({ method: req.method ?? '', path: u.pathname, authorization: req.headers.authorization, body });
      const send = (status: number, payload?: unknown) => {
        res.writeHead(status, payload === undefined ? {} : { 'content-type': 'application/json' });
        res.end(payload === undefined ? undefined : JSON.stringify(payload));
      };
      if (req.headers.authorization !== `Bearer ${token}`) return send(401, { message: 'bad token' });
      if (req.method === 'GET' && u.pathname === '/items') {
        p.itemRequests++;
        if (p.failItems) return send(p.failItems, { message: 'items are down' });
        const since = u.searchParams.get('since') ?? '';
        return send(200, { data: p.items.filter((i) => i.updated_at >= since) });
      }
      if (req.method === 'POST' && u.pathname === '/hooks') {
        const id = `hook_${nextHook++}`;
        p.subscriptions.set(id, body);
        return send(201, { id, url: body.url });
      }
      const m = /^\/hooks\/([^/]+)$/.exec(u.pathname);
      if (req.method === 'DELETE' && m) {
        if (!p.subscriptions.delete(m[1])) return send(404, { message: 'no such hook' });
        return send(204);
      }
      send(404, { message: 'not found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  p.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  p.close = () => new Promise((r) => server.close(() => r()));
  return p;
}

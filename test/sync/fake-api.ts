/**
 * A small provider over a real socket: bearer auth, cursor pagination (`after`, `limit`),
 * `since` (inclusive) on `updated_at`, and hooks to fail, slow down or watch pages.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Item {
  id: number;
  name: string;
  updated_at: string;
}

export interface FakeApi {
  url: string;
  token: string;
  /** Access tokens issued by /token, accepted alongside `token`. */
  issued: Set<string>;
  /** The refresh token /token accepts; each refresh rotates it. */
  refreshToken: string;
  items: Item[];
  users: Array<{ id: string; name: string }>;
  /** Requests served per path. */
  hits: Record<string, number>;
  /** Called before answering a page request: return a status to fail it. */
  beforePage?: (path: string, pageIndex: number) => number | void | Promise<number | void>;
  close(): Promise<void>;
}

export function makeItems(n: number, start = Date.UTC(2024, 0, 1)): Item[] {
  return Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `item ${i + 1}`, updated_at: new Date(start + i * 1000).toISOString() }));
}

/**
 * Holds the sync that asks for page `page` (0-based): `reached` resolves once one is held
 * there, and it stays held until `release()`. Replaces any other `beforePage` hook.
 */
export function holdAtPage(api: FakeApi, page: number): { reached: Promise<void>; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const reached = new Promise<void>((r) => (entered = r));
  api.beforePage = async (_path, index) => {
    if (index === page) {
      entered();
      await gate;
    }
  };
  return { reached, release };
}

export async function startFakeApi(opts: { items?: Item[]; users?: Array<{ id: string; name: string }>; token?: string } = {}): Promise<FakeApi> {
  const api: FakeApi = {
    url: '',
    token: opts.token ?? 'good-token-123',
    issued: new Set(),
    refreshToken: 'refresh-1',
    items: opts.items ?? makeItems(50),
    users: opts.users ?? [],
    hits: {},
    close: async () => undefined,
  };
  const server = http.createServer(async (req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    api.hits[u.pathname] = (api.hits[u.pathname] ?? 0) + 1;
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (u.pathname === '/token' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== api.refreshToken) {
        return send(400, { error: 'invalid_grant' });
      }
      const n = api.issued.size + 1;
      api.refreshToken = `refresh-${n + 1}`;
      api.issued.add(`access-${n}`);
      return send(200, { access_token: `access-${n}`, refresh_token: api.refreshToken, token_type: 'bearer', expires_in: 3600 });
    }
    const bearer = req.headers.authorization?.replace(/^Bearer /, '');
    if (bearer !== api.token && !api.issued.has(bearer ?? '')) return send(401, { message: 'bad token' });
    if (u.pathname === '/me') return send(200, { ok: true });
    const source = (u.pathname === '/items' ? api.items : u.pathname === '/users' ? api.users : undefined) as
      Array<{ updated_at?: string }> | undefined;
    if (!source) return send(404, { message: 'no such path' });
    const limit = Number(u.searchParams.get('limit') ?? 10);
    const after = Number(u.searchParams.get('after') ?? 0);
    const since = u.searchParams.get('since');
    const matching = [...source]
      .filter((r) => !since || (r.updated_at ?? '') >= since)
      .sort((a, b) => (a.updated_at ?? '').localeCompare(b.updated_at ?? ''));
    const status = await api.beforePage?.(u.pathname, Math.floor(after / limit));
    if (typeof status === 'number') return send(status, { message: `injected ${status}` });
    const page = matching.slice(after, after + limit);
    send(200, { data: page, next: after + limit < matching.length ? String(after + limit) : null });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.close = () => new Promise((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
  return api;
}

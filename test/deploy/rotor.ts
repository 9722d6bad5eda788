/**
 * The provider behind test/deploy: OAuth tokens that expire in `ttlMs` and a refresh token
 * that rotates on every refresh (a used one answers `invalid_grant`, RFC 6749 §5.2), and a
 * strict sliding-window limit per connection that answers 429 past `limit` calls a second.
 * It records every refresh and every refusal so a test can say exactly what clients did.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Rotor {
  url: string;
  /** Refreshes granted, in order: when, and which refresh token was spent. */
  refreshes: Array<{ at: number; spent: string }>;
  /** Refresh attempts with a spent or unknown refresh token. */
  deadRefreshes: number;
  /** Calls answered 429 because the window was full. */
  overLimit: number;
  /** Calls refused for an expired or unknown access token. */
  badTokens: number;
  calls: number;
  /** Start times of the calls answered, for "never more than the limit in any second". */
  answered: number[];
  currentRefreshToken: string;
  close(): Promise<void>;
}

export async function startRotor(opts: { ttlMs: number; limit: number; clientId: string; clientSecret: string }): Promise<Rotor> {
  let n = 0;
  const access = new Map<string, number>();
  const rotor = { refreshes: [], deadRefreshes: 0, overLimit: 0, badTokens: 0, calls: 0, answered: [], currentRefreshToken: 'rt-0' } as unknown as Rotor;
  const window: number[] = [];
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'POST' && url.pathname === '/token') {
        const form = new URLSearchParams(raw);
        if (form.get('client_id') !== opts.clientId || form.get('client_secret') !== opts.clientSecret) return json(res, 401, { error: 'invalid_client' });
        if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== rotor.currentRefreshToken) {
          rotor.deadRefreshes++;
          return json(res, 400, { error: 'invalid_grant', error_description: 'refresh token is invalid or was already used' });
        }
        rotor.refreshes.push({ at: Date.now(), spent: rotor.currentRefreshToken });
        n++;
        rotor.currentRefreshToken = `rt-${n}`;
        const token = `at-${n}`;
        access.set(token, Date.now() + opts.ttlMs);
        return json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: Math.floor(opts.ttlMs / 1000), refresh_token: rotor.currentRefreshToken });
      }
      rotor.calls++;
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const until = access.get(token);
      if (until === undefined || until < Date.now()) {
        rotor.badTokens++;
        return json(res, 401, { error: 'invalid_token' });
      }
      const now = Date.now();
      while (window.length && window[0] <= now - 1000) window.shift();
      if (window.length >= opts.limit) {
        rotor.overLimit++;
        return json(res, 429, { error: 'rate_limited' });
      }
      window.push(now);
      rotor.answered.push(now);
      const m = /^\/items\/(\w+)$/.exec(url.pathname);
      if (m) return json(res, 200, { id: m[1], name: `item ${m[1]}` });
      if (url.pathname === '/items') return json(res, 200, { data: [{ id: '1' }, { id: '2' }] });
      return json(res, 404, { error: 'not_found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  rotor.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  rotor.close = () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
  return rotor;
}

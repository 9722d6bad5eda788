/**
 * A local OAuth provider whose access tokens live a few seconds and whose refresh tokens
 * rotate: each is accepted once (or, with `graceMs`, once more within that long of its first
 * use, as some providers allow), then `invalid_grant`. With `limit`, it also answers 429 past
 * that many API calls in any sliding second, as a strict provider does. It counts what the
 * engine does.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RotatingProvider {
  url: string;
  /** Access token lifetime announced in `expires_in`, seconds. */
  expiresIn: number;
  /** A used refresh token is accepted again within this long (0: never). */
  graceMs: number;
  /** Every refresh request, in order, by the refresh token presented. */
  refreshes: string[];
  /** Refresh requests refused with invalid_grant. */
  rejected: string[];
  /** API calls answered 200 and 401. */
  calls: { ok: number; unauthorized: number };
  /** When each granted refresh happened (ms), in order. */
  refreshedAt: number[];
  /** API calls answered 429 because the sliding second was full (`limit`). */
  overLimit: number;
  /** When each API call answered 200 arrived (ms). */
  answered: number[];
  /** Refresh tokens the provider currently accepts. */
  valid: Set<string>;
  /** Seeds a connection's first pair; returns its credentials. */
  seed(expiresAtMs: number): Record<string, unknown>;
  close(): Promise<void>;
}

/** How long past its announced expiry an access token is still accepted: clocks and event loops are not exact. */
const ACCEPT_SLACK_MS = 5000;

export async function startRotatingProvider(opts: { expiresIn?: number; graceMs?: number; limit?: number } = {}): Promise<RotatingProvider> {
  let n = 0;
  const access = new Map<string, number>();
  const used = new Map<string, number>();
  /** Arrival times of the API calls answered within the last second. */
  const window: number[] = [];
  const p: RotatingProvider = {
    url: '', expiresIn: opts.expiresIn ?? 3, graceMs: opts.graceMs ?? 0, refreshes: [], rejected: [], calls: { ok: 0, unauthorized: 0 },
    refreshedAt: [], overLimit: 0, answered: [], valid: new Set(),
    seed(expiresAtMs) {
      const at = `at-seed-${++n}`;
      const rt = `rt-seed-${n}`;
      access.set(at, expiresAtMs);
      p.valid.add(rt);
      return { access_token: at, refresh_token: rt, expires_at: expiresAtMs, client_id: 'cid', client_secret: 'csecret' };
    },
    close: async () => undefined,
  };
  const issue = () => {
    const at = `at-${++n}-${Math.random().toString(36).slice(2)}`;
    const rt = `rt-${n}-${Math.random().toString(36).slice(2)}`;
    access.set(at, Date.now() + p.expiresIn * 1000);
    p.valid.add(rt);
    return { access_token: at, refresh_token: rt, expires_in: p.expiresIn, token_type: 'bearer' };
  };
  const server = http.createServer(async (req, res) => {
    let text = '';
    for await (const c of req) text += c;
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const api = /^\/(me|items(?:\/(\w+))?)$/.exec(req.url ?? '');
    if (api) {
      const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      const until = access.get(token);
      if (until === undefined || until + ACCEPT_SLACK_MS < Date.now()) {
        p.calls.unauthorized++;
        return reply(401, { error: 'invalid_token' });
      }
      const now = Date.now();
      while (window.length && window[0] <= now - 1000) window.shift();
      if (opts.limit !== undefined && window.length >= opts.limit) {
        p.overLimit++;
        return reply(429, { error: 'rate_limited' });
      }
      window.push(now);
      p.answered.push(now);
      p.calls.ok++;
      if (api[1] === 'me') return reply(200, { ok: true });
      return reply(200, api[2] ? { id: api[2], name: `item ${api[2]}` } : { data: [{ id: '1' }, { id: '2' }] });
    }
    const form = Object.fromEntries(new URLSearchParams(text));
    if (req.url !== '/token' || form.grant_type !== 'refresh_token') return reply(400, { error: 'unsupported_grant_type' });
    const rt = form.refresh_token;
    p.refreshes.push(rt);
    if (p.valid.delete(rt)) {
      used.set(rt, Date.now());
      p.refreshedAt.push(Date.now());
      return reply(200, issue());
    }
    const first = used.get(rt);
    if (first !== undefined && p.graceMs > 0 && Date.now() - first < p.graceMs) {
      used.delete(rt);
      p.refreshedAt.push(Date.now());
      return reply(200, issue());
    }
    p.rejected.push(rt);
    return reply(400, { error: 'invalid_grant', error_description: 'refresh token already used or unknown' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  p.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  p.close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
  return p;
}

export const ROTATING_MANIFEST = `
patchbay: 1
id: rotating
name: Rotating tokens
config:
  type: object
  required: [base]
  properties: { base: { type: string } }
auth:
  type: oauth2
  authorize_url: '{{config.base}}/authorize'
  token_url: '{{config.base}}/token'
  refresh_skew: 1s
http:
  base_url: '{{config.base}}'
  retry: { max_attempts: 1 }
actions:
  me:
    request: { path: /me }
    output: "$"
`;

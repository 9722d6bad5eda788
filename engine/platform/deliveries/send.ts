/**
 * One delivery attempt: a POST with a hard deadline, through an agent that checks every
 * address it dials against the outbound guard (so a URL that passed at subscription time and
 * later resolves to a private address is still refused). Redirects are not followed: a
 * receiver that moved must be re-subscribed, not silently followed to wherever it points.
 */
import http from 'node:http';
import https from 'node:https';
import { isConnectorError } from '../../core/errors.js';
import { parseRetryAfter } from './schedule.js';

export interface AttemptResult {
  ok: boolean;
  statusCode?: number;
  /** The first bytes of the response body, as text. */
  response?: string;
  error?: string;
  durationMs: number;
  /** From the receiver's Retry-After on a 429 or 503. */
  retryAfterMs?: number;
}

export interface SendOptions {
  timeoutMs: number;
  agents: { http: http.Agent; https: https.Agent };
  userAgent: string;
}

const EXCERPT_BYTES = 512;

function describe(err: unknown): string {
  if (isConnectorError(err)) return err.message;
  const e = err as NodeJS.ErrnoException;
  // Node's messages can carry the URL (and so a token in its query); codes never do.
  if (e?.code) return `${e.code}${e.syscall ? ` (${e.syscall})` : ''}`;
  return e?.name === 'TimeoutError' ? e.message : 'request failed';
}

export function sendAttempt(url: string, headers: Record<string, string>, body: string, opts: SendOptions): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const done = (r: Omit<AttemptResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, durationMs: elapsed() });
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return done({ ok: false, error: 'the subscription URL is not a valid URL' });
    }
    const secure = target.protocol === 'https:';
    const payload = Buffer.from(body, 'utf8');
    const req = (secure ? https : http).request(target, {
      method: 'POST',
      agent: secure ? opts.agents.https : opts.agents.http,
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': String(payload.length),
        'user-agent': opts.userAgent,
      },
    });
    const timer = setTimeout(() => {
      const err = new Error(`no response within ${opts.timeoutMs} ms`);
      err.name = 'TimeoutError';
      req.destroy(err);
    }, opts.timeoutMs);
    req.on('error', (err) => done({ ok: false, error: describe(err) }));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => {
        const text = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
        const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(String(res.headers['retry-after'] ?? ''), Date.now()) : undefined;
        const ok = status >= 200 && status < 300;
        done({
          ok,
          statusCode: status,
          ...(text ? { response: text } : {}),
          ...(ok ? {} : { error: `HTTP ${status}` }),
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        });
        // Nothing more of a large response is needed; free the socket instead of draining it.
        if (!res.complete) res.destroy();
      };
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        size += c.length;
        if (size >= EXCERPT_BYTES) finish();
      });
      res.on('end', finish);
      res.on('error', finish);
      res.on('close', finish);
    });
    req.end(payload);
  });
}

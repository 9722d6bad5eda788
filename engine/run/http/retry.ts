/**
 * Retry policy: whether a failed attempt may be tried again and how long to wait first.
 * Pure functions over the plan's retry block; the loop itself lives in execute.ts.
 */
import type { HttpMethod, PlanRetry } from '../../plan/plan.js';
import { headerValue } from './rate-limiter.js';
import type { InboundResponse } from '../../core/wire.js';

const IDEMPOTENT: ReadonlySet<HttpMethod> = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

export function isIdempotent(method: HttpMethod): boolean {
  return IDEMPOTENT.has(method);
}

/** Repeating a call is only safe when the method is idempotent or the provider dedupes by key. */
export function mayRetryMethod(method: HttpMethod, retry: PlanRetry): boolean {
  return isIdempotent(method) || Boolean(retry.idempotencyHeader ?? retry.idempotencyQuery) || retry.repeatable === true;
}

/** The longest wait a Retry-After may ask for; longer answers are clamped to it. */
export const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * `Retry-After` (RFC 9110 §10.2.3), the one parser for every caller: delta-seconds or an
 * HTTP-date, in ms from `now`, clamped to [0, maxMs]; anything else is undefined.
 * RFC delta-seconds are digits only, but some providers send a decimal ("2.0"); digits with one
 * fractional part are read too, rounded up to whole ms so a fractional wait is never cut short.
 * Signs, exponents, hex, a bare "." or a trailing "1." are still refused.
 */
export function parseRetryAfter(raw: string | undefined, now = Date.now(), maxMs = MAX_RETRY_AFTER_MS): number | undefined {
  const s = (raw ?? '').trim();
  if (s === '') return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(s)) ms = Math.ceil(Number(s) * 1000);
  else {
    // An HTTP-date names a weekday and a GMT time; bare numbers like "1.5" are no date.
    if (!/^[A-Za-z]{3},? /.test(s)) return undefined;
    const at = Date.parse(s);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(Math.max(0, ms), maxMs);
}

/**
 * Milliseconds a wait header asks for. `Retry-After` goes to parseRetryAfter. Numbers are read by magnitude: above 1e12 epoch ms,
 * above 1e9 epoch seconds, otherwise seconds from now; anything else is tried as an HTTP date.
 */
export function parseWaitHeader(raw: string, now = Date.now()): number | undefined {
  const s = raw.trim();
  if (s === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    if (n > 1e12) return Math.max(0, n - now);
    if (n > 1e9) return Math.max(0, n * 1000 - now);
    return n * 1000;
  }
  const date = Date.parse(s);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The first wait header present, in the manifest's order of preference. */
export function headerWaitMs(headers: InboundResponse['headers'], names: readonly string[], now = Date.now()): number | undefined {
  for (const name of names) {
    const raw = headerValue(headers, name);
    if (raw === undefined) continue;
    const ms = name.toLowerCase() === 'retry-after' ? parseRetryAfter(raw, now) : parseWaitHeader(raw, now);
    if (ms !== undefined) return Math.ceil(ms);
  }
  return undefined;
}

/** Full jitter: uniform in [0, min(max, initial·factor^n)], n counting retries from 0. */
export function backoffMs(backoff: PlanRetry['backoff'], retryIndex: number, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** retryIndex);
  return Math.floor(random() * ceiling);
}

/**
 * Whether a failed response is tried again. `retry.when` answering true retries even an
 * unsafe method: the manifest states, from the provider's docs, that this answer means the
 * call did not take effect (a `Should-Retry: true` header). False never retries;
 * anything else defers to the status table, and then only safe or keyed methods repeat.
 */
export async function retryVerdict(retry: PlanRetry, res: InboundResponse, method: HttpMethod): Promise<boolean> {
  if (retry.when) {
    const v = await retry.when.evaluate(res.body, { status: res.status, headers: res.headers });
    if (v === true || v === false) return v;
  }
  return mayRetryMethod(method, retry) && retry.statuses.includes(res.status);
}

/**
 * Pieces every verifier needs: the key bytes from the secret, constant-time comparison and
 * the replay window. All of it treats its input as hostile and reports instead of throwing.
 */
import { timingSafeEqual } from 'node:crypto';
import type { VerifyReason } from '../../core/webhook.js';
import { ConnectorError } from '../../core/errors.js';
import type { SecretEncoding, VerifyInput, VerifyPlanBase } from './protocol.js';

/** Replay window when a manifest names none. */
export const DEFAULT_TOLERANCE = '5m';

/** What a verification secret may read: the connection's values and the connector-level ones. */
export const SECRET_ROOTS = ['credentials', 'config', 'settings', 'secrets', 'app'] as const;
/** What a signed-payload template may read: the delivery, and what a secret may. */
export const SIGNED_ROOTS = ['raw_body', 'timestamp', 'method', 'url', 'headers', 'body', 'config', 'credentials', 'settings', 'secrets', 'app'] as const;

/** The secret template rendered against the connection; undefined when it renders empty. */
export function renderSecret(spec: VerifyPlanBase, input: VerifyInput): string | undefined {
  if (!spec.secret) return undefined;
  try {
    const s = spec.secret.render(input.connection);
    return s === '' ? undefined : s;
  } catch {
    return undefined;
  }
}

export function keyBytes(secret: string, encoding: SecretEncoding): Buffer {
  switch (encoding) {
    case 'base64':
      return Buffer.from(secret, 'base64');
    case 'whsec':
      return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
    default:
      return Buffer.from(secret, 'utf8');
  }
}

/** Equal-length buffers go through timingSafeEqual; a length mismatch is simply "no". */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** A signature as sent, decoded; undefined when it is not valid in its encoding. */
export function decodeSignature(text: string, encoding: 'hex' | 'base64'): Buffer | undefined {
  const t = text.trim();
  if (encoding === 'hex') return HEX.test(t) ? Buffer.from(t, 'hex') : undefined;
  return BASE64.test(t) ? Buffer.from(t, 'base64') : undefined;
}

/** True when any candidate equals `expected`; every candidate is compared, match or not. */
export function anyMatches(expected: Buffer, candidates: Buffer[]): boolean {
  let found = false;
  for (const c of candidates) if (safeEqual(expected, c)) found = true;
  return found;
}

/** Every first group of `pattern` in `text` (all matches, not just the first). */
export function allGroups(pattern: RegExp, text: string): string[] {
  const flags = pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`;
  const out: string[] = [];
  for (const m of text.matchAll(new RegExp(pattern.source, flags))) {
    if (m[1] !== undefined) out.push(m[1]);
    if (out.length >= 32) break;
  }
  return out;
}

/** Seconds or milliseconds since the epoch, as sent; digits only (an optional fraction). */
export function parseTimestamp(text: string, unit: 's' | 'ms'): number | undefined {
  if (!/^\d{1,16}(\.\d{1,9})?$/.test(text.trim())) return undefined;
  const n = Number(text.trim());
  return unit === 's' ? n * 1000 : n;
}

/** Replay window, both directions: too old is stale, too far ahead is future. */
export function checkWindow(sentMs: number, now: number, toleranceMs: number): VerifyReason | undefined {
  if (now - sentMs > toleranceMs) return 'stale_timestamp';
  if (sentMs - now > toleranceMs) return 'future_timestamp';
  return undefined;
}

/** The secret for signing: as `renderSecret`, but its absence is the case's mistake, said so. */
export function requireSecret(spec: VerifyPlanBase, input: VerifyInput): string {
  const s = renderSecret(spec, input);
  if (s === undefined) throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `the verify secret renders empty for this case; set the value \`${spec.secret?.source ?? 'secret'}\` reads` });
  return s;
}

/**
 * The literal text a pattern requires right before its first group (`v1=` in
 * `(?:^|,)\s*v1=([0-9a-f]+)`), so a signer can write what the pattern reads; undefined when
 * that text is not plain.
 */
export function literalBeforeGroup(pattern: RegExp): string | undefined {
  const src = pattern.source;
  let at = -1;
  for (let i = 0; i < src.length; i++) {
    if (src[i] === '\\') { i++; continue; }
    if (src[i] === '(' && src[i + 1] !== '?') { at = i; break; }
  }
  if (at < 0) return undefined;
  let j = at;
  while (j > 0 && /[A-Za-z0-9=_:.\-]/.test(src[j - 1]) && src[j - 2] !== '\\') j--;
  return src.slice(j, at);
}

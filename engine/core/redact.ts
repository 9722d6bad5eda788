/**
 * Secret redaction. Secrets leak through the values themselves (a provider echoing a key in
 * an error body, a token in a next-page URL), so redaction works on values we know are
 * secret, not only on field names. Every log line and error about a request passes here.
 */
import { buildUrl } from './encode.js';
import type { Connection, OutboundRequest } from './wire.js';

export const REDACTED = '[REDACTED]';

/** Query parameter names whose values are never shown, whatever they hold. */
export const SENSITIVE_PARAM = /key|token|secret|passw|signature|^sig$|^code$|^auth$|authorization|credential|session/i;

/** Credential fields that describe a secret rather than hold one; redacting them only hides useful facts. */
const NON_SECRET_FIELDS = new Set(['expires_at', 'expires_in', 'token_type', 'scope', 'scopes']);

/**
 * Every credential value is redacted, whatever its length. From this length on a value is
 * replaced wherever it occurs; a shorter one (`abc`) would also match inside ordinary words
 * and paths, so it is replaced only where it stands as a whole token (not next to a letter
 * or digit): that is how a provider echoes a key (`invalid key: abc`, `"abc"`, `key=abc&`).
 * Refusing short credentials at connect time was the alternative; it would also refuse
 * harmless short fields (a username `bob`, a dummy password `x`) that Basic-auth APIs use.
 */
const SUBSTRING_MIN_LENGTH = 4;

const WORD = /[A-Za-z0-9]/;
const tokenPatterns = new Map<string, RegExp>();
function wholeToken(value: string): RegExp {
  let re = tokenPatterns.get(value);
  if (!re) {
    const escaped = value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    // An end that is itself punctuation (`!x`) is a boundary already, as with `\b`: requiring
    // one beside it would let `a!x!` keep the secret `!x`.
    const before = WORD.test(value[0]) ? '(?<![A-Za-z0-9])' : '';
    const after = WORD.test(value[value.length - 1]) ? '(?![A-Za-z0-9])' : '';
    re = new RegExp(`${before}${escaped}${after}`, 'g');
    if (tokenPatterns.size > 1000) tokenPatterns.clear();
    tokenPatterns.set(value, re);
  }
  return re;
}

/** `text` with every occurrence of the secret `value` replaced (short values as whole tokens only). */
export function replaceSecret(text: string, value: string, replacement = REDACTED): string {
  if (!value || !text.includes(value)) return text;
  if (value.length >= SUBSTRING_MIN_LENGTH) return text.split(value).join(replacement);
  return text.replace(wholeToken(value), () => replacement);
}

function derivedForms(value: string): string[] {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return [value, encodeURIComponent(value), b64(value), b64(`${value}:`), JSON.stringify(value).slice(1, -1)];
}

function collectStrings(value: unknown, out: string[], key?: string): void {
  if (key && NON_SECRET_FIELDS.has(key)) return;
  if (typeof value === 'string') {
    if (value !== '') out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectStrings(v, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectStrings(v, out, k);
  }
}

/**
 * Every credential string of a connection and the forms it travels in (URL-encoded, base64,
 * `user:pass` in base64 for Basic auth). Longest first, so a secret containing another is
 * replaced whole.
 */
export function collectSecrets(connection?: Pick<Connection, 'credentials' | 'secrets'>, extra: Iterable<string> = []): string[] {
  const raw: string[] = [];
  collectStrings(connection?.credentials ?? {}, raw);
  // Operator secrets reach auth templates too (an app secret keying a request proof).
  for (const v of Object.values(connection?.secrets ?? {})) if (typeof v === 'string' && v !== '') raw.push(v);
  for (const e of extra) if (typeof e === 'string' && e !== '') raw.push(e);
  const creds = connection?.credentials ?? {};
  const user = creds.username ?? creds.user ?? creds.client_id;
  const pass = creds.password ?? creds.client_secret;
  const forms = new Set<string>();
  for (const s of raw) for (const f of derivedForms(s)) if (f !== '') forms.add(f);
  if (typeof user === 'string' && typeof pass === 'string') {
    forms.add(Buffer.from(`${user}:${pass}`).toString('base64'));
    forms.add(Buffer.from(`${encodeURIComponent(user)}:${encodeURIComponent(pass)}`).toString('base64'));
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/** A growing set of secrets for one logical call (credentials plus tokens obtained on the way). */
export class SecretSet {
  private values: string[];
  /** Values already expanded; auth strategies add the same token on every request. */
  private readonly added = new Set<string>();
  constructor(initial: Iterable<string> = []) {
    this.values = [...initial];
  }
  add(value: unknown): void {
    if (typeof value !== 'string' || value === '' || this.added.has(value)) return;
    this.added.add(value);
    const next = new Set(this.values);
    for (const f of derivedForms(value)) if (f !== '') next.add(f);
    this.values = [...next].sort((a, b) => b.length - a.length);
  }
  list(): readonly string[] {
    return this.values;
  }
}

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = replaceSecret(out, s);
  return out;
}

/** Drops the values of sensitive-looking query parameters, then every known secret. */
export function redactUrl(url: string, secrets: readonly string[] = [], sensitiveParam: RegExp = SENSITIVE_PARAM): string {
  const q = url.indexOf('?');
  if (q < 0) return redact(url, secrets);
  const base = url.slice(0, q);
  const hashAt = url.indexOf('#', q);
  const query = url.slice(q + 1, hashAt < 0 ? undefined : hashAt);
  const parts = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0) return pair;
    let name = pair.slice(0, eq);
    try {
      name = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      /* keep the raw name: a malformed escape is not a reason to show the value */
    }
    return sensitiveParam.test(name) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
  });
  return redact(`${base}?${parts.join('&')}`, secrets);
}

/** Deep copy with every string redacted; for log fields. */
export function redactValue<T>(value: T, secrets: readonly string[], depth = 0): T {
  if (typeof value === 'string') return redact(value, secrets) as T;
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { type: value.name, message: redact(value.message, secrets) } as T;
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = redactValue(v, secrets, depth + 1);
  return out as T;
}

/** `{ method, url }` of a request, safe to show. */
export function describeRequest(req: Pick<OutboundRequest, 'method' | 'url' | 'query'>, secrets: readonly string[]): { method: string; url: string } {
  return { method: req.method, url: redactUrl(buildUrl(req), secrets) };
}

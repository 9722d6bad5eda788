/**
 * Normalising what the intake hands over: header names and values, the full URL the
 * provider called (which some providers sign), the parsed body, and the headers kept with
 * a stored event (credential-bearing ones dropped).
 */
import { parseJson } from '../../core/json.js';
import type { WebhookRequest } from './types.js';

export function normaliseHeaders(raw: WebhookRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

/**
 * Header names that may carry a credential or a signature over one, by pattern rather
 * than a fixed list: providers invent their own (`x-<vendor>-hmac-sha256`,
 * `x-<vendor>-channel-token`, `x-my-app-key`), and a name we have not heard of yet that looks
 * like a secret is dropped rather than kept.
 */
const UNSTORED = /token|secret|key|auth|signature|sig(?:$|[-_])|hmac|cookie|passw|credential|session|bearer|api-?key|jwt/i;

export function storableHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (!UNSTORED.test(k)) out[k] = v;
  return out;
}

/**
 * The URL as the provider called it, for recipes that sign it. Its origin is the
 * configured public URL (origin, optionally with a path prefix), else the origin `url`
 * already carries (the intake passes the server's own listen address), else
 * `http://localhost`. Never the request's Host or X-Forwarded-* headers: a sender chooses
 * those, and a signature over a URL it chose proves nothing about where it was sent.
 */
export function fullUrl(url: string, publicUrl?: string): string {
  let pathAndQuery = url;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    if (!publicUrl) return url;
    const u = new URL(url);
    pathAndQuery = `${u.pathname}${u.search}`;
  }
  if (!pathAndQuery.startsWith('/')) pathAndQuery = `/${pathAndQuery}`;
  return `${(publicUrl ?? 'http://localhost').replace(/\/+$/, '')}${pathAndQuery}`;
}

/**
 * Repeated names become arrays. The object has no prototype, so a name such as
 * `__proto__`, `constructor` or `prototype` is an ordinary key: it can neither replace the
 * object's prototype nor shadow what expressions read from it.
 */
function formObject(pairs: Iterable<[string, string]>): Record<string, string | string[]> {
  const out = Object.create(null) as Record<string, string | string[]>;
  for (const [k, v] of pairs) {
    const prev = Object.prototype.hasOwnProperty.call(out, k) ? out[k] : undefined;
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export function queryOf(req: WebhookRequest): Record<string, string | string[]> {
  if (req.query) {
    const out = Object.create(null) as Record<string, string | string[]>;
    for (const [k, v] of Object.entries(req.query)) if (v !== undefined) out[k] = Array.isArray(v) ? [...v] : v;
    return out;
  }
  const q = req.url.indexOf('?');
  return formObject(q < 0 ? [] : new URLSearchParams(req.url.slice(q + 1)));
}

export type ParsedBody = { ok: true; body: unknown } | { ok: false; message: string };

/**
 * JSON, or a form body as an object (some providers post forms); anything else must be
 * JSON. Integers past 2^53 arrive as exact strings (see ../json.ts); verification reads
 * the raw bytes, never this.
 */
export function parseBody(raw: Buffer, contentType: string | undefined): ParsedBody {
  const text = raw.toString('utf8');
  if (contentType && /^application\/x-www-form-urlencoded\b/i.test(contentType)) {
    return { ok: true, body: formObject(new URLSearchParams(text)) };
  }
  if (text.trim() === '') return { ok: false, message: 'the body is empty; a JSON body was expected' };
  try {
    return { ok: true, body: parseJson(text) };
  } catch (err) {
    return { ok: false, message: `the body is not valid JSON: ${(err as Error).message}` };
  }
}

/** Where the intake for a connector (or one connection) lives, for subscribe requests. */
export function webhookUrl(publicUrl: string, connector: string, connectionId?: string): string {
  const base = `${publicUrl.replace(/\/+$/, '')}/v1/webhooks/${encodeURIComponent(connector)}`;
  return connectionId ? `${base}/${encodeURIComponent(connectionId)}` : base;
}

/**
 * What a handshake sees as `body`: the parsed body when it parses, else the raw text (a
 * handshake may precede any JSON, e.g. a validation POST with an empty body), or null when there is none.
 */
export function handshakeBody(raw: Buffer, parsed: ParsedBody): unknown {
  if (raw.length === 0) return null;
  return parsed.ok ? parsed.body : raw.toString('utf8');
}

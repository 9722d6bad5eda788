/**
 * Normalising what the intake hands over: header names and values, the full URL the
 * provider called (which some providers sign), the parsed body, and the headers kept with
 * a stored event (credential-bearing ones dropped).
 */
import type { WebhookRequest } from './types.js';

export function normaliseHeaders(raw: WebhookRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw ?? {})) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

const UNSTORED = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token|x-access-token)$/;

export function storableHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (!UNSTORED.test(k)) out[k] = v;
  return out;
}

/**
 * The URL as the provider called it. Behind a proxy the runtime does not see the public
 * host, so `publicUrl` (origin, optionally with a path prefix) replaces scheme and host.
 */
export function fullUrl(url: string, headers: Record<string, string>, publicUrl?: string): string {
  let pathAndQuery = url;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    if (!publicUrl) return url;
    const u = new URL(url);
    pathAndQuery = `${u.pathname}${u.search}`;
  }
  if (!pathAndQuery.startsWith('/')) pathAndQuery = `/${pathAndQuery}`;
  if (publicUrl) return `${publicUrl.replace(/\/+$/, '')}${pathAndQuery}`;
  return `http://${headers.host ?? 'localhost'}${pathAndQuery}`;
}

export function queryOf(req: WebhookRequest): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (req.query) {
    for (const [k, v] of Object.entries(req.query)) if (v !== undefined) out[k] = v;
    return out;
  }
  const q = req.url.indexOf('?');
  if (q < 0) return out;
  for (const [k, v] of new URLSearchParams(req.url.slice(q + 1))) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export type ParsedBody = { ok: true; body: unknown } | { ok: false; message: string };

/** JSON, or a form body as an object (some providers post forms); anything else must be JSON. */
export function parseBody(raw: Buffer, contentType: string | undefined): ParsedBody {
  const text = raw.toString('utf8');
  if (contentType && /^application\/x-www-form-urlencoded\b/i.test(contentType)) {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of new URLSearchParams(text)) {
      const prev = out[k];
      out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    return { ok: true, body: out };
  }
  if (text.trim() === '') return { ok: false, message: 'the body is empty; a JSON body was expected' };
  try {
    return { ok: true, body: JSON.parse(text) };
  } catch (err) {
    return { ok: false, message: `the body is not valid JSON: ${(err as Error).message}` };
  }
}

/** Where the intake for a connector (or one connection) lives, for subscribe requests. */
export function webhookUrl(publicUrl: string, connector: string, connectionId?: string): string {
  const base = `${publicUrl.replace(/\/+$/, '')}/v1/webhooks/${encodeURIComponent(connector)}`;
  return connectionId ? `${base}/${encodeURIComponent(connectionId)}` : base;
}

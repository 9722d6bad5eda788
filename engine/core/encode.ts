/**
 * Wire encoding of structured requests: query strings and bodies. Form encoding follows the
 * bracket convention many form APIs parse (`a[b]=c`, `list[]=x`, `list[0][k]=v`).
 */
import type { OutboundRequest } from './wire.js';
import { isPlainObject } from './objects.js';

/** Percent-encoding that keeps brackets readable; servers that parse bracket keys accept both forms. */
function encodeKey(k: string): string {
  return encodeURIComponent(k).replace(/%5B/gi, '[').replace(/%5D/gi, ']');
}

function scalar(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
}

/** Dates are leaves of a form body (sent as their ISO text), not objects to flatten. */
function isNested(v: unknown): v is Record<string, unknown> {
  return isPlainObject(v) && !(v instanceof Date);
}

function flatten(prefix: string, value: unknown, out: Array<[string, string]>): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      // Primitives as `a[]=x`; objects need an index so their fields stay grouped per element.
      flatten(isNested(item) || Array.isArray(item) ? `${prefix}[${i}]` : `${prefix}[]`, item, out);
    });
    return;
  }
  if (isNested(value)) {
    for (const [k, v] of Object.entries(value)) flatten(prefix ? `${prefix}[${k}]` : k, v, out);
    return;
  }
  const s = scalar(value);
  if (s !== undefined) out.push([prefix, s]);
}

/** Nested value → ordered form pairs; null and undefined are dropped. */
export function formPairs(value: unknown): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (isNested(value)) flatten('', value, out);
  return out;
}

export function encodePairs(pairs: Array<[string, string]>): string {
  return pairs.map(([k, v]) => `${encodeKey(k)}=${encodeURIComponent(v)}`).join('&');
}

export function encodeForm(value: unknown): string {
  return encodePairs(formPairs(value));
}

/** The absolute URL with the query pairs appended. */
export function buildUrl(req: Pick<OutboundRequest, 'url' | 'query'>): string {
  if (req.query.length === 0) return req.url;
  return `${req.url}${req.url.includes('?') ? '&' : '?'}${encodePairs(req.query)}`;
}

export interface EncodedBody {
  body?: string;
  contentType?: string;
}

/** GET and HEAD never carry a body; `none` sends nothing whatever the request holds. */
export function encodeBody(req: Pick<OutboundRequest, 'method' | 'body' | 'bodyFormat'>): EncodedBody {
  if (req.body === undefined || req.bodyFormat === 'none' || req.method === 'GET' || req.method === 'HEAD') return {};
  if (req.bodyFormat === 'form') {
    return { body: typeof req.body === 'string' ? req.body : encodeForm(req.body), contentType: 'application/x-www-form-urlencoded' };
  }
  return { body: JSON.stringify(req.body), contentType: 'application/json' };
}

/** JSON columns are TEXT on both databases, so the same bytes are stored and hashed. */
import { createHash } from 'node:crypto';
import { parseJson } from '../../core/json.js';

export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function fromJson<T = unknown>(text: unknown, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  if (typeof text !== 'string') return text as T;
  return JSON.parse(text) as T;
}

/**
 * A provider's body stored as it was sent (a webhook payload keeps its bytes), read as it
 * was parsed on arrival: integers past 2^53 come back as their exact digits, not rounded.
 * Only for provider text: what Patchbay wrote itself (toJson) reads with fromJson.
 */
export function fromSentJson(text: unknown, fallback: unknown): unknown {
  if (text === null || text === undefined || text === '') return fallback;
  if (typeof text !== 'string') return text;
  return parseJson(text);
}

/** JSON with object keys sorted, so equal records hash equal whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return canonicalJson((value as { toJSON(): unknown }).toJSON());
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url');
}

export function iso(ms: number | null | undefined): string | undefined {
  return ms === null || ms === undefined ? undefined : new Date(Number(ms)).toISOString();
}

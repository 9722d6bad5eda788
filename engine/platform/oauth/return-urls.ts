/**
 * Where the consent flow may send a user back. An open redirect here would hand an attacker
 * a trusted-looking link that lands on their site, so a return URL must match a registered
 * entry: exactly (origin and path; the host may add its own query, e.g. a session nonce), or
 * under a registered prefix ending in `*` (`https://app.example.com/oauth/*`). Matching is on
 * parsed URLs, so `https://app.example.com.evil.test` never matches `https://app.example.com/`.
 */
import { ConnectorError } from '../../core/errors.js';

const MAX_URL = 2000;

interface Pattern {
  origin: string;
  path: string;
  prefix: boolean;
}

function parseAbsolute(text: string): URL | undefined {
  if (typeof text !== 'string' || text.length > MAX_URL) return undefined;
  try {
    const u = new URL(text);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
    if (u.username || u.password || u.hash) return undefined;
    return u;
  } catch {
    return undefined;
  }
}

function toPattern(entry: string): Pattern | undefined {
  const prefix = entry.endsWith('*');
  const u = parseAbsolute(prefix ? entry.slice(0, -1) : entry);
  if (!u || (prefix && u.search)) return undefined;
  return { origin: u.origin, path: u.pathname, prefix };
}

/** Throws a `validation` error naming the entry when it cannot be a return URL pattern. */
export function validateReturnUrlPattern(entry: string): string {
  if (!toPattern(entry)) {
    throw new ConnectorError({
      kind: 'validation', origin: 'caller',
      message: `return URL "${entry}" must be an absolute http(s) URL without credentials or fragment, optionally ending in * to allow everything under its path`,
      details: [{ path: 'return_url', message: 'is not a valid return URL pattern' }],
    });
  }
  return entry;
}

export function matchesReturnUrl(candidate: string, registered: readonly string[]): boolean {
  const u = parseAbsolute(candidate);
  if (!u) return false;
  return registered.some((entry) => {
    const p = toPattern(entry);
    if (!p || p.origin !== u.origin) return false;
    return p.prefix ? u.pathname.startsWith(p.path) : u.pathname === p.path;
  });
}

/** The return URL with the outcome added to its query (keeping the host's own parameters). */
export function withOutcome(returnUrl: string, params: Record<string, string | undefined>): string {
  const u = new URL(returnUrl);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}

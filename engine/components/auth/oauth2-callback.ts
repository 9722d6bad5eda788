/**
 * A signature some providers put on the authorization callback's query (`callback_signature`):
 * an HMAC over the other parameters, sorted by name and form-encoded, keyed with the OAuth
 * app's secret. It proves the redirect (its `code`, and the account parameters a set-up step
 * captures) came from the provider and not from someone editing the URL, so it is checked
 * before the code is exchanged. Pure: the flow renders the secret and reports the refusal.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface CallbackSignatureSpec {
  param: string;
  algorithm?: 'sha256' | 'sha512';
  encoding?: 'hex' | 'base64';
  exclude?: readonly string[];
}

export type CallbackSignatureVerdict = { ok: true } | { ok: false; reason: string };

/**
 * The signed text: every parameter but the signature (and `exclude`), sorted by name, as
 * `application/x-www-form-urlencoded` with spaces as `%20`. A repeated parameter is refused
 * rather than guessed at: the two sides could join it differently.
 */
export function callbackSignedText(spec: CallbackSignatureSpec, query: Readonly<Record<string, unknown>>): string | undefined {
  const left = new Set([spec.param, ...(spec.exclude ?? [])]);
  const params = new URLSearchParams();
  for (const name of Object.keys(query).filter((k) => !left.has(k)).sort()) {
    const v = query[name];
    if (v === undefined) continue;
    if (typeof v !== 'string') return undefined;
    params.append(name, v);
  }
  return params.toString().replace(/\+/g, '%20');
}

/** The signature `spec` asks for over `query` with `secret` (tests sign callbacks with it). */
export function signCallback(spec: CallbackSignatureSpec, secret: string, query: Readonly<Record<string, unknown>>): string {
  const text = callbackSignedText(spec, query);
  if (text === undefined) throw new Error('a repeated callback parameter cannot be signed');
  return createHmac(spec.algorithm ?? 'sha256', secret).update(text, 'utf8').digest(spec.encoding ?? 'hex');
}

export function verifyCallbackSignature(spec: CallbackSignatureSpec, secret: string, query: Readonly<Record<string, unknown>>): CallbackSignatureVerdict {
  if (secret === '') return { ok: false, reason: 'the callback signature secret renders empty; the operator sets the OAuth app\'s client secret' };
  const given = query[spec.param];
  if (given === undefined || given === '') return { ok: false, reason: `the callback carries no ${spec.param} parameter` };
  if (typeof given !== 'string') return { ok: false, reason: `the callback carries ${spec.param} more than once` };
  const text = callbackSignedText(spec, query);
  if (text === undefined) return { ok: false, reason: 'the callback repeats a signed parameter' };
  const expected = createHmac(spec.algorithm ?? 'sha256', secret).update(text, 'utf8').digest();
  const encoding = spec.encoding ?? 'hex';
  // Hex is compared case-insensitively; anything that does not decode to the digest's length fails.
  const valid = encoding === 'hex' ? /^[0-9a-fA-F]+$/.test(given) : /^[A-Za-z0-9+/]+={0,2}$/.test(given);
  const got = valid ? Buffer.from(given, encoding) : Buffer.alloc(0);
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) return { ok: false, reason: `the callback's ${spec.param} signature does not match its parameters` };
  return { ok: true };
}

/**
 * HMAC over a signed-payload template: the signature comes from a header (after a prefix) or
 * from every match of a pattern, so a header listing several signatures (secret rolling)
 * passes when any one matches; an optional timestamp bounds replays in both directions.
 */
import { createHmac } from 'node:crypto';
import type { CompiledTemplate } from '../../lang/template.js';
import type { VerifyReason, VerifyResult } from '../../core/webhook.js';
import { parseDuration } from '../../lang/durations.js';
import { literal, object, pattern, schemaOf, template } from '../kit.js';
import { allGroups, anyMatches, checkWindow, DEFAULT_TOLERANCE, decodeSignature, keyBytes, literalBeforeGroup, parseTimestamp, renderSecret, requireSecret, SIGNED_ROOTS } from './common.js';
import { ConnectorError } from '../../core/errors.js';
import { defineVerifier, type SecretEncoding, type SignInput, type SignOutput, type VerifyInput, type VerifyPlanBase } from './protocol.js';
import { signedBytes } from './signed.js';

export interface HmacVerify extends VerifyPlanBase {
  type: 'hmac';
  algorithm: 'sha1' | 'sha256' | 'sha512';
  signature?: { header: string; prefix?: string; pattern?: RegExp; encoding: 'hex' | 'base64' };
  timestamp?: { header: string; pattern?: RegExp; unit: 's' | 'ms'; toleranceMs: number };
  /** What is signed; default `{{raw_body}}`. */
  signed?: CompiledTemplate;
}

const lower = (v: unknown) => String(v).toLowerCase();

function signatureCandidates(sig: NonNullable<HmacVerify['signature']>, header: string): Buffer[] {
  let texts: string[];
  if (sig.pattern) texts = allGroups(sig.pattern, header);
  else if (sig.prefix !== undefined) texts = header.startsWith(sig.prefix) ? [header.slice(sig.prefix.length)] : [];
  else texts = [header];
  const out: Buffer[] = [];
  for (const t of texts) {
    const b = decodeSignature(t, sig.encoding);
    if (b) out.push(b);
  }
  return out;
}

function timestampOf(spec: HmacVerify, input: VerifyInput): { text?: string; reason?: VerifyReason } {
  const ts = spec.timestamp;
  if (!ts) return {};
  const header = input.headers[ts.header];
  if (!header) return { reason: 'missing_timestamp' };
  const text = ts.pattern ? allGroups(ts.pattern, header)[0] : header.trim();
  const sentMs = text === undefined ? undefined : parseTimestamp(text, ts.unit);
  if (text === undefined || sentMs === undefined) return { reason: 'missing_timestamp' };
  const reason = checkWindow(sentMs, input.now, ts.toleranceMs);
  return reason ? { reason } : { text };
}

/** `prefix` + value, or the text the pattern reads before its group + value. */
function written(value: string, at: { prefix?: string; pattern?: RegExp }, what: string): string {
  if (!at.pattern) return `${at.prefix ?? ''}${value}`;
  const lead = literalBeforeGroup(at.pattern);
  if (lead === undefined) throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `cannot write a ${what} that /${at.pattern.source}/ reads; give the header yourself` });
  return `${lead}${value}`;
}

function sign(spec: HmacVerify, input: SignInput): SignOutput {
  const secret = requireSecret(spec, input);
  const sig = spec.signature;
  if (!sig) throw new ConnectorError({ kind: 'config', origin: 'manifest', message: 'the hmac verification names no signature header' });
  const ts = spec.timestamp;
  const tsText = ts ? String(Math.floor(ts.unit === 's' ? input.now / 1000 : input.now)) : undefined;
  const digest = createHmac(spec.algorithm, keyBytes(secret, spec.secretEncoding)).update(signedBytes(spec.signed, input, tsText)).digest(sig.encoding);
  const headers: Record<string, string> = {};
  const sigText = written(digest, sig, 'signature');
  if (ts && tsText !== undefined) {
    const tsWritten = written(tsText, ts, 'timestamp');
    // One header holding both (`t=…,v1=…`): the timestamp first, comma-separated.
    if (ts.header === sig.header) headers[sig.header] = `${tsWritten},${sigText}`;
    else Object.assign(headers, { [ts.header]: tsWritten, [sig.header]: sigText });
  } else headers[sig.header] = sigText;
  return { headers };
}

export const hmacVerifier = defineVerifier({
  type: 'hmac',
  description: 'HMAC over a signed-payload template.',
  requires: ['secret'],
  fields: {
    algorithm: literal({ schema: schemaOf<HmacVerify['algorithm']>({ enum: ['sha1', 'sha256', 'sha512'] }), description: 'Hash; default sha256.', default: 'sha256' }),
    secret_encoding: literal({
      schema: schemaOf<SecretEncoding>({ enum: ['utf8', 'base64', 'whsec'] }),
      description: 'How the secret is turned into key bytes: utf8 (default), base64, or whsec (base64 after a `whsec_` prefix).',
      default: 'utf8',
    }),
    signature: object({
      description: 'Where the signature is.',
      required: true,
      optional: true,
      fields: {
        header: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Header holding the signature.', required: true, normalize: lower }),
        prefix: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Text before the signature, e.g. `sha256=` or `v0=`.' }),
        pattern: pattern({ description: 'Regular expression whose first group is a signature; every match counts, so any of several signatures may match (`v1=` repeated while a secret rolls).', example: 'v1=([0-9a-f]+)' }),
        encoding: literal({ schema: schemaOf<'hex' | 'base64'>({ enum: ['hex', 'base64'] }), description: 'Encoding of the signature; default hex.', default: 'hex' }),
      },
    }),
    timestamp: object({
      description: 'Where the signing timestamp is, for replay protection.',
      optional: true,
      fields: {
        header: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Header holding the timestamp.', required: true, normalize: lower }),
        pattern: pattern({ description: 'Regular expression whose first group is the timestamp (e.g. `t=([0-9]+)`).', example: 't=([0-9]+)' }),
        unit: literal({ schema: schemaOf<'s' | 'ms'>({ enum: ['s', 'ms'] }), description: 'Seconds or milliseconds since the epoch; default s.', default: 's' }),
        tolerance: literal({ schema: schemaOf<number>({ $ref: '#/$defs/duration' }), description: 'Largest difference from now, in both directions; default 5m.', default: DEFAULT_TOLERANCE, normalize: parseDuration }),
      },
    }),
    signed: template({
      description: 'What is signed; default `{{raw_body}}`. Has `raw_body`, `timestamp`, `method`, `url`, `headers`',
      default: '{{raw_body}}',
      roots: SIGNED_ROOTS,
      context: 'signed payload',
    }),
  },
  check(block, report) {
    const signed = typeof block.signed === 'string' ? block.signed : '{{raw_body}}';
    const signsTimestamp = /\{\{[^}]*\btimestamp\b[^}]*\}\}/.test(signed);
    const ts = block.timestamp;
    if (signsTimestamp && ts === undefined) {
      report({
        path: ['signed'], code: 'timestamp-undeclared',
        message: 'the signed payload uses `timestamp` but no `timestamp` says where it is, so it renders empty and no signature matches',
        hint: 'declare `timestamp: { header: ... }` (and a `pattern` when the header holds more than the timestamp)',
      });
    }
    if (ts !== undefined && !signsTimestamp) {
      report({
        path: ['timestamp'], which: 'key', code: 'timestamp-unsigned', severity: 'warning',
        message: 'the timestamp is checked for freshness but is not part of `signed`, so a captured delivery replays with a fresh timestamp',
        hint: 'sign it as the provider does, e.g. `signed: "v0:{{timestamp}}:{{raw_body}}"`',
      });
    }
    const sig = block.signature as Record<string, unknown> | undefined;
    if (sig && typeof sig === 'object' && !Array.isArray(sig) && sig.prefix !== undefined && sig.pattern !== undefined) {
      report({
        path: ['signature', 'prefix'], which: 'key', code: 'prefix-ignored', severity: 'warning',
        message: '`prefix` is ignored when `pattern` is set: the signature is the pattern\'s first group',
        hint: 'put the prefix in the pattern, e.g. `pattern: "sha256=([0-9a-f]+)"`, and drop `prefix`',
      });
    }
  },
  signsBody: true,
  compile: (f) => {
    const ts = f.timestamp;
    return {
      algorithm: f.algorithm,
      secretEncoding: f.secret_encoding,
      ...(f.signature ? { signature: f.signature } : {}),
      ...(ts ? { timestamp: { header: ts.header, ...(ts.pattern ? { pattern: ts.pattern } : {}), unit: ts.unit, toleranceMs: ts.tolerance } } : {}),
      signed: f.signed,
      toleranceMs: ts?.tolerance ?? parseDuration(DEFAULT_TOLERANCE),
    };
  },
  summary: (spec: HmacVerify) => ({ algorithm: spec.algorithm, signature_header: spec.signature?.header }),
  sign,
  verify(spec: HmacVerify, input): VerifyResult {
    const secret = renderSecret(spec, input);
    if (secret === undefined) return { ok: false, reason: 'no_secret' };
    const sig = spec.signature;
    const header = sig ? input.headers[sig.header] : undefined;
    if (!sig || !header) return { ok: false, reason: 'missing_signature' };
    const ts = timestampOf(spec, input);
    if (ts.reason) return { ok: false, reason: ts.reason };
    const candidates = signatureCandidates(sig, header);
    if (candidates.length === 0) return { ok: false, reason: 'bad_signature' };
    let expected: Buffer;
    try {
      expected = createHmac(spec.algorithm, keyBytes(secret, spec.secretEncoding)).update(signedBytes(spec.signed, input, ts.text)).digest();
    } catch {
      return { ok: false, reason: 'bad_signature' };
    }
    return anyMatches(expected, candidates) ? { ok: true } : { ok: false, reason: 'bad_signature' };
  },
});

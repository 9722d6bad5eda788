/**
 * HMAC over a signed-payload template: the signature comes from a header (after a prefix) or
 * from every match of a pattern, so a header listing several signatures (secret rolling)
 * passes when any one matches; an optional timestamp bounds replays in both directions.
 */
import { createHmac } from 'node:crypto';
import type { PlanVerify } from '../../plan/plan.js';
import type { VerifyReason, VerifyResult } from '../../core/webhook.js';
import { allGroups, anyMatches, checkWindow, decodeSignature, keyBytes, parseTimestamp, renderSecret } from './common.js';
import { signedBytes } from './signed.js';
import type { Verifier, VerifyInput } from './types.js';

function signatureCandidates(sig: NonNullable<PlanVerify['signature']>, header: string): Buffer[] | undefined {
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

function timestampOf(spec: PlanVerify, input: VerifyInput): { text?: string; reason?: VerifyReason } {
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

export const hmacVerifier: Verifier = {
  type: 'hmac',
  verify(spec, input): VerifyResult {
    const secret = renderSecret(spec, input);
    if (secret === undefined) return { ok: false, reason: 'no_secret' };
    const sig = spec.signature;
    const header = sig ? input.headers[sig.header] : undefined;
    if (!sig || !header) return { ok: false, reason: 'missing_signature' };
    const ts = timestampOf(spec, input);
    if (ts.reason) return { ok: false, reason: ts.reason };
    const candidates = signatureCandidates(sig, header);
    if (!candidates || candidates.length === 0) return { ok: false, reason: 'bad_signature' };
    let expected: Buffer;
    try {
      expected = createHmac(spec.algorithm, keyBytes(secret, spec.secretEncoding)).update(signedBytes(spec.signed, input, ts.text)).digest();
    } catch {
      return { ok: false, reason: 'bad_signature' };
    }
    return anyMatches(expected, candidates) ? { ok: true } : { ok: false, reason: 'bad_signature' };
  },
};

/**
 * Standard Webhooks: `webhook-id`, `webhook-timestamp` (unix seconds) and
 * `webhook-signature: v1,<base64> [v1,<base64> …]`, an HMAC-SHA256 over
 * `<id>.<timestamp>.<raw body>` keyed with the base64 part of a `whsec_` secret.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { VerifyResult } from '../../core/webhook.js';
import { parseDuration } from '../../lang/durations.js';
import { literal, schemaOf } from '../kit.js';
import { anyMatches, checkWindow, DEFAULT_TOLERANCE, decodeSignature, keyBytes, parseTimestamp, renderSecret, requireSecret } from './common.js';
import { defineVerifier, type VerifyPlanBase } from './protocol.js';

export interface StandardWebhooksVerify extends VerifyPlanBase {
  type: 'standard_webhooks';
}

export const standardWebhooksVerifier = defineVerifier({
  type: 'standard_webhooks',
  description: 'Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`.',
  requires: ['secret'],
  signsBody: true,
  fields: {
    tolerance: literal({ schema: schemaOf<number>({ $ref: '#/$defs/duration' }), description: 'Largest clock difference; default 5m.', default: DEFAULT_TOLERANCE, normalize: parseDuration }),
  },
  // Standard Webhooks keys are always `whsec_<base64>`.
  compile: (f) => ({ secretEncoding: 'whsec', toleranceMs: f.tolerance }),
  sign(spec: StandardWebhooksVerify, input) {
    const key = keyBytes(requireSecret(spec, input), spec.secretEncoding);
    // A case's own `webhook-id` is kept (it is the event's dedupe key); else one like the spec's `msg_…`.
    const id = input.headers['webhook-id'] ?? `msg_${randomBytes(12).toString('hex')}`;
    const ts = String(Math.floor(input.now / 1000));
    const sig = createHmac('sha256', key).update(`${id}.${ts}.`).update(input.rawBody).digest('base64');
    return { headers: { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': `v1,${sig}` } };
  },
  verify(spec: StandardWebhooksVerify, input): VerifyResult {
    const secret = renderSecret(spec, input);
    if (secret === undefined) return { ok: false, reason: 'no_secret' };
    const id = input.headers['webhook-id'];
    const signature = input.headers['webhook-signature'];
    if (!id || !signature) return { ok: false, reason: 'missing_signature' };
    const tsText = input.headers['webhook-timestamp']?.trim();
    const sentMs = tsText ? parseTimestamp(tsText, 's') : undefined;
    if (!tsText || sentMs === undefined) return { ok: false, reason: 'missing_timestamp' };
    const stale = checkWindow(sentMs, input.now, spec.toleranceMs);
    if (stale) return { ok: false, reason: stale };

    const candidates: Buffer[] = [];
    for (const part of signature.split(' ').slice(0, 32)) {
      const comma = part.indexOf(',');
      if (comma < 0 || part.slice(0, comma) !== 'v1') continue;
      const b = decodeSignature(part.slice(comma + 1), 'base64');
      if (b) candidates.push(b);
    }
    if (candidates.length === 0) return { ok: false, reason: 'bad_signature' };
    const key = keyBytes(secret, spec.secretEncoding);
    const expected = createHmac('sha256', key).update(`${id}.${tsText}.`).update(input.rawBody).digest();
    return anyMatches(expected, candidates) ? { ok: true } : { ok: false, reason: 'bad_signature' };
  },
});

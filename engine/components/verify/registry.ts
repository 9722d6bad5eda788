/**
 * Verifiers by manifest `verify.type`. A new scheme is a new file and one
 * `registerVerifier` call, never a branch in the pipeline.
 */
import { ConnectorError } from '../../core/errors.js';
import type { PlanVerify } from '../../plan/plan.js';
import type { VerifyResult } from '../../core/webhook.js';
import { hmacVerifier } from './hmac.js';
import { noneVerifier } from './none.js';
import { standardWebhooksVerifier } from './standard-webhooks.js';
import type { Verifier, VerifyInput } from './types.js';

const verifiers = new Map<string, Verifier>();

export function registerVerifier(v: Verifier): void {
  verifiers.set(v.type, v);
}

export function verifierFor(type: string): Verifier {
  const v = verifiers.get(type);
  if (!v) throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `unknown webhook verification type "${type}"; known: ${[...verifiers.keys()].join(', ')}` });
  return v;
}

/** Runs the manifest's scheme; an unexpected throw inside a verifier still fails closed. */
export function verifyDelivery(spec: PlanVerify, input: VerifyInput): VerifyResult {
  const verifier = verifierFor(spec.type);
  try {
    return verifier.verify(spec, input);
  } catch {
    return { ok: false, reason: 'bad_signature' };
  }
}

for (const v of [hmacVerifier, standardWebhooksVerifier, noneVerifier]) registerVerifier(v);

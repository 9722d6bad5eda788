/**
 * The verification family: the field every signing kind shares (the secret), the built-in
 * kinds, and `registerVerifier` for hosts. A new scheme is one file (its definition, see
 * protocol.ts) and one `registerVerifier` call; the schema, docs, field catalogue, checks and
 * compiler read this registry, and the pipeline never branches on the kind.
 */
import type { VerifyResult } from '../../core/webhook.js';
import { Family, secret } from '../kit.js';
import { SECRET_ROOTS } from './common.js';
import { hmacVerifier } from './hmac.js';
import { noneVerifier } from './none.js';
import type { SignInput, SignOutput, VerifierKind, VerifyInput, VerifyPlanBase } from './protocol.js';
import { ConnectorError } from '../../core/errors.js';
import { standardWebhooksVerifier } from './standard-webhooks.js';
import { tokenVerifier } from './token.js';

export const verifiers = new Family<VerifierKind<any, any>>({
  name: 'verify',
  unionDef: 'webhook_verify',
  prefix: 'verify_',
  description: 'How a delivery is proven to come from the provider.',
  typeDescription: (type) => type,
  sharedPosition: 'before',
  shared: {
    secret: secret({
      description: 'The signing secret, e.g. `{{credentials.webhook_secret}}`; connector-level values (`secrets.*`, `app.*`) are available too',
      roots: SECRET_ROOTS,
      context: 'webhook secret',
    }),
  },
  roots: SECRET_ROOTS,
  context: 'webhook secret',
});

export const BUILTIN_VERIFIERS = [hmacVerifier, standardWebhooksVerifier, tokenVerifier, noneVerifier] as const;

type ConfigOf<K> = K extends VerifierKind<infer C, any> ? C : never;
/** The plan configs of the built-in kinds, as a union discriminated by `type`. */
export type BuiltinVerify = ConfigOf<(typeof BUILTIN_VERIFIERS)[number]>;

for (const k of BUILTIN_VERIFIERS) verifiers.register(k, { builtin: true });

export function registerVerifier(kind: VerifierKind<any, any>): void {
  verifiers.register(kind);
}

export function verifierFor(type: string): VerifierKind<any, any> {
  return verifiers.require(type);
}

/** Runs the manifest's scheme; an unexpected throw inside a verifier still fails closed. */
export function verifyDelivery(spec: VerifyPlanBase, input: VerifyInput): VerifyResult {
  const verifier = verifierFor(spec.type);
  try {
    return verifier.verify(spec, input);
  } catch {
    return { ok: false, reason: 'bad_signature' };
  }
}

/**
 * Signs a delivery with the manifest's own scheme, then proves the result with that scheme's
 * `verify`: a signature the connector itself would refuse is a test-setup error, not a finding.
 */
export function signDelivery(spec: VerifyPlanBase, input: SignInput): SignOutput {
  const verifier = verifierFor(spec.type);
  if (!verifier.sign) {
    throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `verify type "${spec.type}" cannot sign a delivery; give its headers yourself` });
  }
  const out = verifier.sign(spec, input);
  let url = input.url;
  if (out.query && Object.keys(out.query).length > 0) {
    const u = new URL(url);
    for (const [k, v] of Object.entries(out.query)) u.searchParams.set(k, v);
    url = u.toString();
  }
  const check = verifyDelivery(spec, { ...input, url, headers: { ...input.headers, ...out.headers } });
  if (!check.ok) {
    throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `verify type "${spec.type}" signed a delivery that it then refuses (${check.reason}); give its headers yourself` });
  }
  return out;
}

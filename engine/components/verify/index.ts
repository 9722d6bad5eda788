/** Webhook signature verification kinds, by name. */
export { registerVerifier, verifierFor, verifyDelivery, signDelivery, verifiers } from './registry.js';
export { defineVerifier } from './protocol.js';
export type { Verifier, VerifierKind, VerifyInput, SignInput, SignOutput, VerifyPlanBase, SecretEncoding } from './protocol.js';

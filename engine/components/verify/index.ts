/** Webhook signature verification kinds, by name. */
export { registerVerifier, verifierFor, verifyDelivery, verifiers } from './registry.js';
export { defineVerifier } from './protocol.js';
export type { Verifier, VerifierKind, VerifyInput, VerifyPlanBase, SecretEncoding } from './protocol.js';

/** Webhook signature verification kinds, by name. */
export { registerVerifier, verifierFor, verifyDelivery } from './registry.js';
export type { Verifier, VerifyInput } from './types.js';

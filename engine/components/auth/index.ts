/** The auth package's public surface. */
export type { AuthContext, AuthKind, AuthStrategy } from './types.js';
export { defineAuth } from './types.js';
export { liveCredential } from './common.js';
export { registerAuthStrategy, getAuthStrategy, authStrategyFor, authTypes } from './registry.js';
export { buildAuthorizeUrl, createPkcePair, exchangeAuthorizationCode, clearOAuth2Cache } from './oauth2.js';
export type { AuthorizeUrlOptions, ExchangeOptions, ExchangeResult, PkcePair } from './oauth2.js';
export { expiresAtMs } from './oauth2-token.js';

/** OAuth consent and token upkeep, apart from HTTP: apps, states, the flow and the background refresher. */
export { OAuthApps, OPERATOR_APP, envPrefix, type OAuthAppInput, type OAuthAppInfo, type ResolvedOAuthApp, type AppSource } from './apps.js';
export { OAuthStates, STATE_TTL_MS, stateId, type NewOAuthState, type ConsumedState, type ConsumeResult } from './states.js';
export { OAuthFlow, OAuthFlowError, type StartConsentInput, type CallbackInput, type ConsentOutcome, type ConsentErrorCode, type OAuthFlowDeps } from './flow.js';
export { TokenRefresher, refreshLeaseKey, type TokenRefresherOptions, type RefreshOutcome, type RefreshPass } from './refresher.js';
export { matchesReturnUrl, validateReturnUrlPattern, withOutcome } from './return-urls.js';
export { consentMethod, isConsentMethod, connectionCredentials } from './method.js';

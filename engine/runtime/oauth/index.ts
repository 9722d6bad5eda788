/** The runtime's OAuth wiring: per-runtime apps, states, flow and token client, and the background workers. */
export { configureOAuth, oauthFor, startOAuthWorkers, CALLBACK_PATH, type OAuthRuntime, type OAuthRuntimeOptions, type OAuthWorkers } from './context.js';

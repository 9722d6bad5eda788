/** The request path's public surface. */
export type { OutboundRequest, InboundResponse, Connection, CredentialsListener } from '../../core/wire.js';
export { renderRequest, cloneRequest, type TemplateContext, type RenderOptions } from './render.js';
export { encodeBody, encodeForm, formPairs, buildUrl } from '../../core/encode.js';
export { send, parseBody, type SendOptions } from './send.js';
export { RateLimiter, RateLimiterRegistry, type AcquireOptions, type Release } from './rate-limiter.js';
export { backoffMs, headerWaitMs, parseWaitHeader, isIdempotent, mayRetryMethod } from './retry.js';
export { classifyResponse, kindForStatus, isRetryableKind } from './classify.js';
export { executeRequest, type ExecuteOptions } from './execute.js';
export { HttpClient, createHttpClient, type HttpClientOptions } from './client.js';
export { connectionKey, limiterKeyFor } from '../../components/connection-key.js';

/**
 * The HTTP runtime's public surface. Hosts with their own koa app mount the routes:
 *
 *   app.use(createRuntimeRouter({ platform }).routes());
 *
 * `patchbay serve` uses `startServer`, which also runs the workers and shuts down gracefully.
 */
export { createApp, createRouter, createRouter as createRuntimeRouter, createRuntime, type Runtime, type RuntimeApp, type RuntimeOptions } from './app.js';
export { startServer, type RunningServer, type ServerOptions } from './server.js';
export { ApiKeys, TENANT_PATTERN, type ApiKeyInfo, type CreatedKey } from './auth/keys.js';
export { ApiKeysRepo } from '../platform/store/api-keys.js';
export { KeyRateLimiter, type RateLimitOptions } from './auth/rate-limit.js';
export { refusingBaseUrlOverrides, withBaseUrlOverrides } from './base-url.js';
export { addressKey, clientAddress, TrustedProxies } from './auth/client-address.js';
export { buildOpenApi, type OpenApiInfo } from './openapi.js';
export { HttpProblem, toProblem, type Problem } from './problem.js';
export { defineRoute, type RouteDef, type RouteRequest, type Reply, type Principal, type RouteAccess } from './route.js';
export type { RuntimeServices } from './services.js';

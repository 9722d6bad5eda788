/**
 * The runtime as a koa app, or as a router a host mounts in its own koa app. Both are the
 * same routes through the same registrar; the app only adds problem+json for paths no
 * route matches (404, 405) and `Connection: close` while draining.
 */
import Koa from 'koa';
import { Router } from '@koa/router';
import type { Engine } from '../run/engine.js';
import { ConnectorError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import { packageVersion } from '../core/package-root.js';
import type { Platform } from '../platform/platform.js';
import { IdempotencyRepo } from '../platform/store/idempotency.js';
import { TrustedProxies } from './auth/client-address.js';
import { IntakeLimiter, type IntakeLimitOptions } from './auth/intake-limit.js';
import { ApiKeys } from './auth/keys.js';
import { ApiKeysRepo } from '../platform/store/api-keys.js';
import { KeyRateLimiter, type RateLimitOptions } from './auth/rate-limit.js';
import { hasBaseUrlOverrides, refusingBaseUrlOverrides, withBaseUrlOverrides } from './base-url.js';
import { DEFAULT_BODY_LIMIT } from './body.js';
import { buildOpenApi, type OpenApiInfo } from './openapi.js';
import { Registrar } from './registrar.js';
import { requestScope } from './request-scope.js';
import type { RouteDef } from './route.js';
import { builtinRoutes } from './routes/index.js';
import { BackgroundTasks, type RuntimeServices } from './services.js';

export interface RuntimeOptions {
  platform: Platform;
  /** Default `platform.engine`; it must be the engine the platform runs syncs with. */
  engine?: Engine;
  logger?: Logger;
  /** The admin key; default `PATCHBAY_ADMIN_KEY`. '' disables the environment key. */
  adminKey?: string;
  /** Per-key inbound limit; default 50 req/s, burst 100. `false` turns it off. */
  rateLimit?: RateLimitOptions | false;
  /**
   * Failed authentications per source address, enforced before the key is looked up;
   * default 20 at once, then 1 per second. `false` turns it off.
   */
  authFailureLimit?: RateLimitOptions | false;
  /** Proxies whose `X-Forwarded-For` names the client; default `PATCHBAY_TRUSTED_PROXIES` (none). */
  trustedProxies?: string;
  /** Budget on webhook intake per source address and per connection (see auth/intake-limit.ts); `false` turns it off. */
  webhookIntakeLimit?: IntakeLimitOptions | false;
  /** Largest request body in bytes; default 1 MiB. */
  bodyLimit?: number;
  /** Accept `base_url` on connections (tests, sandboxes): see services.ts. */
  allowBaseUrlOverride?: boolean;
  /** Routes added to the built-in ones (another resource, a host's own). */
  routes?: readonly RouteDef[];
  /** Check each JSON reply against its documented schema (tests). */
  validateResponses?: boolean;
  /** How long a verified API key is trusted before the database is asked again; default 30 s on PostgreSQL (revocations are notified), 5 s on SQLite. */
  keyCacheMs?: number;
  /**
   * How long an action call may reuse a connection read by this process; 0 off (see
   * RuntimePolicy). Default 30 s on PostgreSQL, where every process hears a change at once and
   * the window is only a safety net, 2 s on SQLite.
   */
  connectionCacheMs?: number;
  openapi?: Partial<OpenApiInfo>;
}

export interface Runtime {
  router: Router;
  services: RuntimeServices;
  routes: readonly RouteDef[];
  logger: Logger;
  openapi(): Record<string, unknown>;
}

const DEFAULT_CONNECTION_CACHE_MS = 2000;
const NOTIFIED_CONNECTION_CACHE_MS = 30_000;

export function createRuntime(opts: RuntimeOptions): Runtime {
  const logger = opts.logger ?? silentLogger;
  const allow = opts.allowBaseUrlOverride === true;
  let engine = opts.engine ?? opts.platform.engine;
  if (allow) {
    // Syncs and the create-time check run through the platform's engine, so it must apply overrides too.
    if (!hasBaseUrlOverrides(opts.platform.engine)) {
      throw new ConnectorError({ kind: 'internal', origin: 'caller', message: 'allowBaseUrlOverride needs a platform created with withBaseUrlOverrides(engine)' });
    }
    engine = withBaseUrlOverrides(engine);
  } else {
    // Actions and checks run through this engine; syncs through the platform's (server.ts wraps it too).
    engine = refusingBaseUrlOverrides(engine);
  }
  let document: Record<string, unknown> | undefined;
  const routes: RouteDef[] = [];
  // One list of trusted proxies for every limit that keys on the sender's address.
  const proxyList = opts.trustedProxies ?? process.env.PATCHBAY_TRUSTED_PROXIES;
  const services: RuntimeServices = {
    engine,
    platform: opts.platform,
    keys: new ApiKeys(new ApiKeysRepo(opts.platform.store), { adminKey: opts.adminKey, cacheMs: opts.keyCacheMs }),
    idempotency: new IdempotencyRepo(opts.platform.store),
    policy: { allowBaseUrlOverride: allow, connectionCacheMs: opts.connectionCacheMs ?? (opts.platform.connections.notified ? NOTIFIED_CONNECTION_CACHE_MS : DEFAULT_CONNECTION_CACHE_MS) },
    background: new BackgroundTasks(),
    ...(opts.webhookIntakeLimit === false ? {} : { intakeLimiter: new IntakeLimiter({ trustedProxies: proxyList, ...opts.webhookIntakeLimit }) }),
    lifecycle: { draining: false },
    openapi: () => (document ??= buildOpenApi(routes, { version: packageVersion(), ...opts.openapi })),
  };
  const registrar = new Registrar({
    services,
    logger,
    rateLimiter: opts.rateLimit === false ? undefined : new KeyRateLimiter(opts.rateLimit ?? {}),
    authFailureLimiter: opts.authFailureLimit === false ? undefined : new KeyRateLimiter({ perSecond: 1, burst: 20, ...opts.authFailureLimit }),
    trustedProxies: TrustedProxies.parse(proxyList),
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    validateResponses: opts.validateResponses,
  });
  const router = new Router();
  registrar.register(router, [...builtinRoutes(), ...(opts.routes ?? [])]);
  routes.push(...registrar.routes);
  return { router, services, routes: registrar.routes, logger, openapi: services.openapi };
}

/** The runtime's routes for a host's own koa app: `app.use(router.routes())`. */
export function createRouter(opts: RuntimeOptions): Router {
  return createRuntime(opts).router;
}

export type RuntimeApp = Koa & { runtime: Runtime };

export function createApp(opts: RuntimeOptions): RuntimeApp {
  const runtime = createRuntime(opts);
  const app = new Koa() as RuntimeApp;
  app.runtime = runtime;
  app.use(requestScope(runtime.logger));
  app.use(async (ctx, next) => {
    if (runtime.services.lifecycle.draining) ctx.set('connection', 'close');
    await next();
  });
  app.use(runtime.router.routes());
  app.use(runtime.router.allowedMethods({ throw: true }));
  return app;
}

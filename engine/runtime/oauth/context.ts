/**
 * The OAuth pieces one runtime shares (apps, states, the flow, a token-endpoint client
 * behind the outbound guard), built once per runtime from its services. The route module
 * reaches them through `oauthFor(services)`; `configureOAuth` sets options before first use
 * (tests, hosts), otherwise they come from the environment:
 *
 * - `PATCHBAY_PUBLIC_URL`: the runtime's public base URL; the provider redirects the user to
 *   `<it>/v1/oauth/callback`, which must be registered with the provider. Without it the
 *   server's own listen address (the socket's local address and port) is used, never a
 *   request header (`Host`, `X-Forwarded-*`), which anyone can set: fine locally, set it
 *   behind a proxy.
 * - `PATCHBAY_ALLOW_PRIVATE_NETWORKS`, `PATCHBAY_OUTBOUND_ALLOWLIST`, `PATCHBAY_ALLOW_HTTP_HOSTS`:
 *   the outbound guard for token endpoint calls (on, as for every call the runtime makes; a
 *   plain-http token URL is refused before the client secret is sent).
 */
import { createHttpClient, type HttpClient } from '../../run/http/client.js';
import { OAuthApps } from '../../platform/oauth/apps.js';
import { OAuthFlow } from '../../platform/oauth/flow.js';
import { OAuthStates, STATE_TTL_MS } from '../../platform/oauth/states.js';
import { OAuthAppsRepo } from '../../platform/store/oauth-apps.js';
import { OAuthStatesRepo } from '../../platform/store/oauth-states.js';
import { TokenRefresher, type TokenRefresherOptions } from '../../platform/oauth/refresher.js';
import { createOutboundGuard, outboundPolicyFromEnv, type OutboundPolicy } from '../../run/http/outbound-guard.js';
import type { RuntimeServices } from '../services.js';
import type { Logger } from '../../core/log.js';

export const CALLBACK_PATH = '/v1/oauth/callback';

export interface OAuthRuntimeOptions {
  /** Public base URL of the runtime (scheme, host, optional path prefix). */
  publicUrl?: string;
  /** Outbound policy for token endpoint calls; default from the environment. */
  outbound?: OutboundPolicy;
  /** Where `PATCHBAY_OAUTH_*` app settings and the defaults above are read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  stateTtlMs?: number;
  logger?: Logger;
}

export interface OAuthRuntime {
  apps: OAuthApps;
  states: OAuthStates;
  flow: OAuthFlow;
  /** Token endpoint client (outbound guard on). */
  http: HttpClient;
  /** The redirect URI registered with providers: the public URL's, else the listen address of the socket a request came in on. */
  callbackUrl(socket: { localAddress?: string; localPort?: number }): string;
  close(): void;
}

/** `http://address:port` of the server's end of a socket (the server speaks plain HTTP itself). */
export function listenOrigin(socket: { localAddress?: string; localPort?: number }): string {
  let address = socket.localAddress ?? '127.0.0.1';
  if (address.startsWith('::ffff:') && address.includes('.')) address = address.slice('::ffff:'.length);
  return `http://${address.includes(':') ? `[${address}]` : address}:${socket.localPort ?? 80}`;
}

const configured = new WeakMap<RuntimeServices, OAuthRuntimeOptions>();
const built = new WeakMap<RuntimeServices, OAuthRuntime>();

/** Options for the runtime's OAuth pieces; call before the first OAuth request. */
export function configureOAuth(services: RuntimeServices, opts: OAuthRuntimeOptions): void {
  built.get(services)?.close();
  built.delete(services);
  configured.set(services, opts);
}

export function oauthFor(services: RuntimeServices): OAuthRuntime {
  let rt = built.get(services);
  if (rt) return rt;
  const opts = configured.get(services) ?? {};
  const env = opts.env ?? process.env;
  const { platform } = services;
  const guard = createOutboundGuard(opts.outbound ?? outboundPolicyFromEnv(env));
  const http = createHttpClient({ logger: opts.logger, wrapAgent: (agent) => guard.guardAgent(agent) });
  const apps = new OAuthApps(new OAuthAppsRepo(platform.store, platform.vault), env);
  const states = new OAuthStates(new OAuthStatesRepo(platform.store, platform.vault), opts.stateTtlMs ?? STATE_TTL_MS);
  const flow = new OAuthFlow({ engine: services.engine, connections: platform.connections, apps, states, http, logger: opts.logger });
  const publicUrl = (opts.publicUrl ?? env.PATCHBAY_PUBLIC_URL)?.replace(/\/+$/, '');
  rt = {
    apps,
    states,
    flow,
    http,
    callbackUrl: (socket) => `${publicUrl || listenOrigin(socket)}${CALLBACK_PATH}`,
    close: () => http.close(),
  };
  built.set(services, rt);
  return rt;
}

export interface OAuthWorkers {
  refresher: TokenRefresher;
  stop(): Promise<void>;
}

/**
 * The runtime's OAuth upkeep: the background token refresher and an hourly purge of
 * long-expired consent states. Start it with the server's other workers; stop it on shutdown
 * (it also releases the token client's idle sockets).
 */
export function startOAuthWorkers(services: RuntimeServices, opts: Partial<TokenRefresherOptions> = {}): OAuthWorkers {
  const rt = oauthFor(services);
  const { platform } = services;
  const refresher = new TokenRefresher({
    store: platform.store,
    connections: platform.connections,
    plans: services.engine.plans,
    http: rt.http,
    apps: rt.apps,
    logger: configured.get(services)?.logger,
    ...opts,
  });
  refresher.start();
  const purge = setInterval(() => void rt.states.purgeExpired().catch(() => undefined), 3_600_000);
  purge.unref();
  return {
    refresher,
    async stop() {
      clearInterval(purge);
      await refresher.stop();
      // Idle keep-alive sockets to token endpoints must not hold a shutting-down process open.
      rt.close();
    },
  };
}

/**
 * What operations need from the engine around them. Keeping this seam narrow lets the
 * operations stay ignorant of how requests are sent (client, auth, limits, retries).
 */
import { authStrategyFor } from '../../components/auth/registry.js';
import type { HttpClient } from '../http/client.js';
import { limiterKeyFor } from '../../components/connection-key.js';
import type { Connection, CredentialsListener, InboundResponse, OutboundRequest, RefreshGate } from '../../core/wire.js';
import type { Logger } from '../../core/log.js';
import type { PlanHttp } from '../../plan/plan.js';
import type { ResolvedConnection } from './context.js';

export interface SendOptions {
  http: PlanHttp;
  /** `check`, `action:<name>`, `stream:<name>`. */
  operation: string;
  signal?: AbortSignal;
}

export interface OperationRuntime {
  send(rc: ResolvedConnection, req: OutboundRequest, opts: SendOptions): Promise<InboundResponse>;
  /** Revokes the connection's credentials where its auth method can (RFC 7009 for oauth2); false when it declares nothing to revoke. */
  revoke?(rc: ResolvedConnection): Promise<boolean>;
  /**
   * The connection as this engine sends it: an engine applying stored base URL overrides
   * sets `baseUrl`, one refusing them throws. Requests the platform renders itself
   * (webhook subscriptions) go through it, so they land where the connection's calls do.
   */
  prepare?(conn: Connection): Connection;
}

/**
 * The one way an operation's request is sent: the connection's auth strategy, its rate
 * limiter, and the operation's secret set (so tokens obtained on the way are redacted for
 * the whole operation). The engine and the webhooks' subscribe calls both use it.
 */
export function sendingRuntime(client: HttpClient, logger: Logger, onCredentials?: CredentialsListener, refreshGate?: RefreshGate): OperationRuntime {
  return {
    revoke: async (rc) => {
      const strategy = authStrategyFor(rc.method);
      if (!strategy.revoke) return false;
      return strategy.revoke({ method: rc.method, connection: rc.connection, template: rc.base, http: client, onCredentials, refreshGate, logger, addSecret: (v) => rc.secrets.add(v) });
    },
    send: (rc, req, o) =>
      client.execute(req, {
        http: o.http,
        auth: {
          strategy: authStrategyFor(rc.method),
          ctx: { method: rc.method, connection: rc.connection, template: rc.base, http: client, onCredentials, refreshGate, logger },
        },
        secrets: rc.secrets,
        limiterKey: limiterKeyFor(rc.connection, o.http.rateLimit),
        // A connector-wide budget is no one tenant's.
        ...(o.http.rateLimit?.scope !== 'connector' && rc.connection.tenant !== undefined ? { limiterTenant: rc.connection.tenant } : {}),
        connector: rc.plan.id,
        operation: o.operation,
        logger,
        signal: o.signal,
      }),
  };
}

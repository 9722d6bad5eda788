/**
 * The auth strategy protocol. A strategy puts credentials on an outbound request and, for
 * token-based kinds, can repair itself after a 401 (refresh) so the call is tried once more.
 */
import type { Logger } from '../../core/log.js';
import type { AuthType, PlanAuthMethod } from '../../plan/plan.js';
import type { HttpSender } from '../../core/wire.js';
import type { TemplateContext } from '../../lang/template.js';
import type { Connection, CredentialsListener, OutboundRequest } from '../../core/wire.js';

export interface AuthContext {
  method: PlanAuthMethod;
  /**
   * The connection being called. Token strategies replace its `credentials` and `settings`
   * with the refreshed ones, so later calls with the same object use them without a reload.
   */
  connection: Connection;
  /** Template context (config, credentials, settings, input…) for the method's templates. */
  template: TemplateContext;
  /** Client for token endpoint calls (no rate limit or retry: those belong to API calls). */
  http: HttpSender;
  /** Told about new credentials (refreshed or rotated tokens) so the host can persist them. */
  onCredentials?: CredentialsListener;
  /** Strategies report values they send that are not plain credentials (obtained tokens, encoded headers). */
  addSecret?: (value: string) => void;
  logger?: Logger;
}

export interface AuthStrategy {
  readonly type: AuthType;
  apply(req: OutboundRequest, ctx: AuthContext): Promise<void>;
  /**
   * Called once after a 401 to `req` (the attempt that failed). True means credentials were
   * renewed and the call should be tried once more.
   */
  onUnauthorized?(ctx: AuthContext, req: OutboundRequest): Promise<boolean>;
}

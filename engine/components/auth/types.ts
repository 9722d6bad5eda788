/**
 * The auth strategy protocol. A strategy puts credentials on an outbound request and, for
 * token-based kinds, can repair itself after a 401 (refresh) so the call is tried once more.
 */
import type { FieldSpecs, KindSpec } from '../kit.js';
import type { Logger } from '../../core/log.js';
import type { PlanAuthMethod } from '../../plan/plan.js';
import type { HttpSender } from '../../core/wire.js';
import type { TemplateContext } from '../../lang/template.js';
import type { Connection, CredentialsListener, OutboundRequest, RefreshGate } from '../../core/wire.js';

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
  /** Wraps token refreshes (one per connection across processes); without it a strategy refreshes and tells `onCredentials`. */
  refreshGate?: RefreshGate;
  /** Strategies report values they send that are not plain credentials (obtained tokens, encoded headers). */
  addSecret?: (value: string) => void;
  logger?: Logger;
}

export interface AuthStrategy {
  readonly type: string;
  apply(req: OutboundRequest, ctx: AuthContext): Promise<void>;
  /**
   * Called once after a 401 to `req` (the attempt that failed). True means credentials were
   * renewed and the call should be tried once more.
   */
  onUnauthorized?(ctx: AuthContext, req: OutboundRequest): Promise<boolean>;
  /**
   * Tells the provider the connection's credentials are no longer wanted (on disconnect).
   * False when the method declares nothing to revoke; throws when the provider refuses.
   */
  revoke?(ctx: AuthContext): Promise<boolean>;
}

/**
 * An auth kind: the strategy plus its manifest fields. The compiler fills the plan method
 * from the declarations (literal defaults into `spec`, templates and secrets into
 * `templates`, expressions into `exprs`, under their dotted manifest names), so `apply`
 * finds every declared default already compiled. A bare strategy is a kind with no fields.
 */
export interface AuthKind<Fs extends FieldSpecs = FieldSpecs> extends AuthStrategy, KindSpec {
  readonly fields?: Fs;
  /** The method is connected through a browser consent flow (the platform's OAuth routes run it). */
  consent?(method: PlanAuthMethod): boolean;
  /** The platform's background refresher renews this method's credentials before they expire. */
  refreshable?(method: PlanAuthMethod): boolean;
  /** A disconnect owes the provider a `revoke` of this method's credentials (it declares where). */
  revocable?(method: PlanAuthMethod): boolean;
  /**
   * The kind signs the request as it is (AWS SigV4): the family's shared `query` goes on before
   * `apply`, so it is signed. Otherwise it goes on after, rendered with the credentials `apply`
   * may just have refreshed.
   */
  readonly signsRequest?: boolean;
  /** What `describe` shows of the method beside its type: where a credential goes, never its value. */
  summary?(method: PlanAuthMethod): Record<string, unknown>;
}

/** Keeps a kind's literal `type`, so the built-in types can be listed as a union. */
export function defineAuth<const T extends string, const Fs extends FieldSpecs>(kind: AuthKind<Fs> & { type: T }): AuthKind<Fs> & { readonly type: T } {
  return kind;
}

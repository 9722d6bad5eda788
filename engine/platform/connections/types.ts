/** The shapes the connection service takes and hands out. */
import type { Connection } from '../../core/wire.js';
import type { TenantScope } from '../store/scope.js';
import type { ConnectionInfo } from '../store/connections.js';
import type { RouteSource } from '../store/connection-routes.js';
import type { PendingChoice } from './settings.js';

/** A connection id (its tenant is looked up) or an id with the tenant the caller acts for. */
export type ConnectionRef = string | { tenant: string; id: string };

export interface CreateConnectionInput {
  tenant: string;
  connector: string;
  name: string;
  auth?: string;
  config?: Record<string, unknown>;
  credentials?: Record<string, unknown>;
  settings?: Record<string, unknown>;
  /**
   * Settings the platform learned from the provider (an OAuth token response), merged into
   * `settings` and trusted to route connector-level webhooks. Never pass values a user typed.
   */
  learned?: Record<string, unknown>;
  /** Store without running the connector's check request (validation still applies). */
  skipCheck?: boolean;
  /** One of the connector's environments; default its default one. */
  environment?: string;
  /**
   * The connector's `setup` steps already ran (the consent flow runs them before storing):
   * `settings`, `learned` and `credentials` hold what they wrote, and `pendingChoice` a choice
   * they are waiting for.
   */
  setupDone?: { pendingChoice?: PendingChoice };
}

export interface UpdateConnectionInput {
  name?: string;
  auth?: string;
  config?: Record<string, unknown>;
  /** Replaces the credentials; merge with `mergeCredentials` to change one field. */
  credentials?: Record<string, unknown>;
  mergeCredentials?: boolean;
  settings?: Record<string, unknown>;
  /** As on create: settings learned from the provider with these credentials. */
  learned?: Record<string, unknown>;
  skipCheck?: boolean;
  /** As on create: the set-up steps ran for these credentials and may wait for a choice. */
  setupDone?: { pendingChoice?: PendingChoice };
  /** Where `learned` came from; default the token response. */
  learnedSource?: RouteSource;
}

/** A connection ready for the engine, with decrypted credentials. Never hand it out. */
export interface ResolvedStoredConnection {
  scope: TenantScope;
  info: ConnectionInfo;
  connection: Connection;
}

/**
 * Work that belongs to a connection's life but not to this service (registering webhooks at
 * the provider). Hook failures never undo what the user asked for: a failed subscription
 * leaves the connection in `error` with the reason, a failed unsubscribe is logged.
 */
export interface ConnectionLifecycle {
  afterCreate?(ref: { tenant: string; id: string }): Promise<void>;
  beforeDisconnect?(ref: { tenant: string; id: string }): Promise<void>;
}

/**
 * Stable keys for per-connection state (rate limits, token refresh). A connection without an
 * id is keyed by a hash of what identifies it, computed once per object so that a token
 * refresh (which replaces its credentials) does not move it to a new key.
 */
import { createHash } from 'node:crypto';
import type { PlanRateLimit } from '../plan/plan.js';
import type { Connection } from '../core/wire.js';

const keys = new WeakMap<Connection, string>();

export function connectionKey(connection: Connection): string {
  if (connection.id) return connection.id;
  let k = keys.get(connection);
  if (!k) {
    const { connector, tenant, auth, config, credentials, baseUrl, environment } = connection;
    const digest = createHash('sha256').update(JSON.stringify({ connector, tenant, auth, config, credentials, baseUrl, environment })).digest('hex');
    k = `${connector}:${digest.slice(0, 24)}`;
    keys.set(connection, k);
  }
  return k;
}

/**
 * Whose budget a call draws on: its connection's, or the whole connector's (`scope: connector`),
 * and within it the default pool or a named one (`pool`), so a provider's APIs with separate
 * limits do not queue behind each other.
 */
export function limiterKeyFor(connection: Connection, rateLimit?: PlanRateLimit): string {
  const key = rateLimit?.scope === 'connector' ? `connector:${connection.connector}` : `connection:${connectionKey(connection)}`;
  return rateLimit?.pool ? `${key}#${rateLimit.pool}` : key;
}

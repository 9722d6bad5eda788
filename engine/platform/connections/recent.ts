/** Helpers of the connection service's recent-connections cache (`resolveRecent`). */
import { expiresAtMs } from '../../components/auth/oauth2-token.js';
import type { Connection } from '../../core/wire.js';
import type { ResolvedStoredConnection } from './types.js';

/**
 * A credential expiring sooner than this is never served from the recent-connections cache:
 * near expiry the token may be refreshed (and a rotating refresh token replaced) by any
 * process, and a stale copy would then refresh with a spent refresh token.
 */
const EXPIRY_MARGIN_MS = 5 * 60_000;

const DRAFT = Symbol('patchbay.draft');

/**
 * Marks a connection being created or changed, not stored yet (its check may refresh a token):
 * the stored row is not its truth, so the refresh gate does not compare against it. A symbol
 * property, so the copies the engine's wrappers make (`{ ...conn }`) keep it.
 */
export function markDraft(conn: Connection): void {
  Object.defineProperty(conn, DRAFT, { value: true, enumerable: true });
}

export const isDraft = (conn: Connection): boolean => (conn as { [DRAFT]?: boolean })[DRAFT] === true;

export const recentKey = (tenant: string, id: string) => `${tenant}\u0000${id}`;

export function expiringSoon(connection: Connection): boolean {
  const at = expiresAtMs(connection.credentials?.expires_at);
  return at !== undefined && at - Date.now() < EXPIRY_MARGIN_MS;
}

/** The caller's own connection object around the shared frozen parts (the engine replaces `credentials` on it after a refresh). */
export function copyResolved(r: ResolvedStoredConnection): ResolvedStoredConnection {
  return { scope: r.scope, info: r.info, connection: { ...r.connection } };
}

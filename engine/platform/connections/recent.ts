/** The connection service's recent-connections cache (`resolveRecent`) and its helpers. */
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

/** Entries kept at most; past it the cache starts over (a burst of distinct connections). */
const MAX_RECENT = 10_000;

interface Loaded {
  fresh: ResolvedStoredConnection;
  snapshot?: ResolvedStoredConnection;
}

/**
 * `resolve` for the hot path (an API action call), served from memory when this process read
 * the same tenant's connection less than `maxAgeMs` ago. Every change made through the service
 * (update, disconnect, markError/markActive, persisted tokens) and every change notice from
 * another process drops the entry at once; without notices (SQLite, several processes) a
 * change is seen within `maxAgeMs`. Credentials that expire within five minutes are always
 * read fresh. The config, credentials and settings handed out are frozen snapshots shared by
 * the calls in that window; the connection object around them is each caller's own.
 */
export class RecentConnections {
  private readonly entries = new Map<string, { at: number; resolved: ResolvedStoredConnection }>();
  /** Bumped by every write: a read that started before a write must not fill the cache after it. */
  private writes = 0;
  private readonly loading = new Map<string, { writes: number; promise: Promise<Loaded> }>();

  constructor(
    private readonly load: (ref: { tenant: string; id: string }) => Promise<ResolvedStoredConnection>,
    /** The frozen copy to keep, or undefined when the connection must not be cached (not valid). */
    private readonly snapshot: (r: ResolvedStoredConnection) => ResolvedStoredConnection | undefined,
  ) {}

  async resolve(ref: { tenant: string; id: string }, maxAgeMs: number): Promise<ResolvedStoredConnection> {
    if (!(maxAgeMs > 0)) return this.load(ref);
    const key = recentKey(ref.tenant, ref.id);
    const hit = this.entries.get(key);
    if (hit && performance.now() - hit.at < maxAgeMs && !expiringSoon(hit.resolved.connection)) return copyResolved(hit.resolved);
    if (hit) this.entries.delete(key);
    // Concurrent misses share one read, so an expired entry under load costs one query, not one per request.
    const pending = this.loading.get(key);
    if (pending && pending.writes === this.writes) {
      const loaded = await pending.promise;
      return loaded.snapshot ? copyResolved(loaded.snapshot) : this.load(ref);
    }
    const writes = this.writes;
    const promise = this.load(ref).then((fresh): Loaded => {
      if (this.writes !== writes || expiringSoon(fresh.connection)) return { fresh };
      const snapshot = this.snapshot(fresh);
      if (!snapshot) return { fresh };
      if (this.entries.size >= MAX_RECENT) this.entries.clear();
      this.entries.set(key, { at: performance.now(), resolved: snapshot });
      return { fresh, snapshot };
    });
    const entry = { writes, promise };
    this.loading.set(key, entry);
    try {
      const loaded = await promise;
      return loaded.snapshot ? copyResolved(loaded.snapshot) : loaded.fresh;
    } finally {
      if (this.loading.get(key) === entry) this.loading.delete(key);
    }
  }

  forget(ref: { tenant: string; id: string }): void {
    this.writes++;
    this.entries.delete(recentKey(ref.tenant, ref.id));
  }

  clear(): void {
    this.writes++;
    this.entries.clear();
  }
}

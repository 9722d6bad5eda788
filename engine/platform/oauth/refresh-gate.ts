/**
 * One token refresh per connection across every process on the database. Providers that
 * rotate refresh tokens accept each one once: two processes refreshing together leave the
 * connection with whichever answer was stored last, and one of them is already spent.
 *
 * The engine calls the gate around its token request (after its own in-process single
 * flight). The gate takes the connection's refresh lease, the same row the background
 * refresher takes, so the two exclude each other too, and under it:
 * 1. reads the stored credentials again: if they differ from the caller's copy, another
 *    process refreshed meanwhile, and those are returned without calling the provider;
 * 2. otherwise sends the refresh from the stored credentials and commits the answer (sealed,
 *    through the connection service) BEFORE the lease is released.
 * A process that finds the lease held waits for its release (a notice on PostgreSQL, a short
 * poll as well) and adopts what the holder stored, or takes the lease itself if nothing
 * changed (the holder failed).
 *
 * Crashes. The lease row stays taken (run id set) when its holder dies, and expires after
 * `leaseMs`; the next holder sees that it was never released.
 * - Died before the token request, or after the commit: the stored refresh token is the live
 *   one, and the next refresh (or the adoption of the committed one) just works.
 * - Died after the provider answered but before the commit: the provider has rotated the
 *   token and the answer is lost. A provider with a grace window still accepts the stored
 *   token once more, and the next refresh works. One without it refuses (`invalid_grant`):
 *   the connection is put in `error` with a reason saying so, and needs a new consent. It is
 *   never left looking active with a dead token.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ConnectorError, isConnectorError } from '../../core/errors.js';
import type { RefreshGate, RenewedCredentials } from '../../core/wire.js';
import { silentLogger, type Logger } from '../../core/log.js';
import type { ConnectionService } from '../connections/service.js';
import { LeasesRepo } from '../store/leases.js';
import { isDraft } from '../connections/recent.js';
import { expiresAtMs } from '../../components/auth/oauth2-token.js';
import type { Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';

export const refreshLeaseKey = (connectionId: string) => `oauth-refresh:${connectionId}`;

/** What a holder that gave up after taking over an abandoned refresh leaves in the lease's owner column. */
export const INTERRUPTED_NOTE = 'interrupted-refresh';

export const INTERRUPTED_MESSAGE = 'a token refresh was interrupted (a process stopped after the provider may have rotated the refresh token, before the new one was stored) and the provider refuses the stored refresh token; reconnect';

export interface RefreshGateOptions {
  store: Store;
  connections: ConnectionService;
  /**
   * How long one refresh may hold a connection's lease; a crashed holder blocks refreshes this
   * long. Default 45 s: longer than a token request may take (30 s), so a slow one is not overtaken.
   */
  leaseMs?: number;
  /** How long a caller waits for another process's refresh before failing (retryable). Default `leaseMs` + 5 s. */
  waitMs?: number;
  /** Poll interval while waiting (notices usually end the wait sooner on PostgreSQL). Default 100 ms. */
  pollMs?: number;
  owner?: string;
  logger?: Logger;
}

export interface RefreshLease {
  acquired: boolean;
  /** The previous holder never released it (it died), or gave up after taking over from one that did. */
  interrupted: boolean;
  runId: string;
}

/** Takes the refresh lease, noting whether the last holder left it without releasing it. */
export async function takeRefreshLease(leases: LeasesRepo, scope: TenantScope, connectionId: string, owner: string, ttlMs: number): Promise<RefreshLease> {
  const key = refreshLeaseKey(connectionId);
  const before = await leases.holder(scope, key);
  const runId = randomBytes(9).toString('base64url');
  const acquired = await leases.acquire(scope, key, { owner, runId }, ttlMs);
  const interrupted = before !== undefined && (before.runId !== undefined || before.owner === INTERRUPTED_NOTE);
  return { acquired, interrupted: acquired && interrupted, runId };
}

/** The provider refused the refresh token itself. */
export const isRefusedGrant = (err: unknown) => isConnectorError(err) && err.kind === 'auth' && err.providerCode === 'invalid_grant';

/** The error to record and throw for a refused refresh token: the plain refusal, or the interruption that explains it. */
export function refusedGrantError(err: ConnectorError, interrupted: boolean): ConnectorError {
  if (!interrupted) return err;
  return new ConnectorError({
    kind: 'auth', origin: 'connection', connector: err.connector, providerCode: err.providerCode, status: err.status, request: err.request,
    code: 'refresh_interrupted', message: `${INTERRUPTED_MESSAGE} (provider: ${err.providerMessage ?? err.message})`, cause: err,
  });
}

const same = (a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined) =>
  (a?.access_token ?? null) === (b?.access_token ?? null) && (a?.refresh_token ?? null) === (b?.refresh_token ?? null);

/** What another process stored is worth adopting: different from the caller's copy and not expired itself. */
function adoptable(stored: Record<string, unknown>, seen: Record<string, unknown> | undefined, now: number): boolean {
  if (same(stored, seen)) return false;
  const at = expiresAtMs(stored.expires_at);
  return at === undefined || at > now;
}

export function createRefreshGate(opts: RefreshGateOptions): RefreshGate {
  const { store, connections } = opts;
  const leases = new LeasesRepo(() => store.now());
  const leaseMs = opts.leaseMs ?? 45_000;
  const waitMs = opts.waitMs ?? leaseMs + 5000;
  const pollMs = opts.pollMs ?? 100;
  const owner = opts.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const logger = opts.logger ?? silentLogger;

  /** Resolves when a lease release is noticed for `key`, or after `ms`. */
  const released = (tenant: string, key: string, ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        off();
        resolve();
      };
      const timer = setTimeout(done, ms);
      const off = store.invalidations.subscribe((c) => {
        if (c.kind === 'all' || (c.kind === 'lease' && c.tenant === tenant && c.id === key)) done();
      });
    });

  /** The stored copy; undefined for a connection not stored (a host's own object with an id). */
  const stored = async (tenant: string, id: string): Promise<(RenewedCredentials & { disconnected: boolean }) | undefined> => {
    try {
      const r = await connections.resolve({ tenant, id });
      return { credentials: r.connection.credentials ?? {}, settings: r.info.settings, disconnected: r.info.status === 'disconnected' };
    } catch (err) {
      if (isConnectorError(err) && err.kind === 'not_found') return undefined;
      throw err;
    }
  };

  const disconnected = (connector: string, id: string) =>
    new ConnectorError({ kind: 'auth', origin: 'connection', connector, message: `connection ${id} was disconnected; reconnect` });

  return async (conn, _method, refresh) => {
    // Not stored (yet): nobody else can hold it, and its creator stores what the check obtained.
    const own = { credentials: conn.credentials ?? {}, settings: conn.settings };
    if (!conn.id || !conn.tenant || isDraft(conn)) return refresh(own);
    const { id, tenant } = conn;
    const scope = store.scope(tenant);
    const key = refreshLeaseKey(id);
    const seen = conn.credentials;
    const deadline = Date.now() + waitMs;
    for (;;) {
      const lease = await takeRefreshLease(leases, scope, id, owner, leaseMs);
      if (lease.acquired) {
        let note: string | undefined;
        try {
          const current = await stored(tenant, id);
          if (!current) return await refresh(own);
          if (current.disconnected) throw disconnected(conn.connector, id);
          if (adoptable(current.credentials, seen, Date.now())) return current;
          let next: RenewedCredentials;
          try {
            next = await refresh(current);
          } catch (err) {
            if (isRefusedGrant(err)) {
              const e = refusedGrantError(err as ConnectorError, lease.interrupted);
              await connections.markError(scope, id, e, conn);
              throw e;
            }
            // The interruption is still unexplained: keep it on record for the next holder.
            if (lease.interrupted) note = INTERRUPTED_NOTE;
            throw err;
          }
          try {
            await connections.persistCredentials(conn, next.credentials, next.settings);
          } catch (err) {
            // The provider's answer is the only live token now; the caller uses it, and the log says it was not kept.
            logger.error({ tenant, connection: id, connector: conn.connector, err: (err as Error).message }, 'storing refreshed credentials failed; the connection may need a new consent');
          }
          return next;
        } finally {
          await leases.release(scope, key, lease.runId, note);
          await store.invalidations.publish('lease', tenant, key);
        }
      }
      // Another process is refreshing: wait for it, then use what it stored.
      await released(tenant, key, pollMs);
      const holder = await leases.holder(scope, key);
      if (holder && holder.runId !== undefined && holder.expiresAt > store.now()) {
        if (Date.now() > deadline) {
          throw new ConnectorError({ kind: 'timeout', origin: 'provider', connector: conn.connector, retryable: true, message: `connection ${id}: another process has been refreshing its token for over ${Math.round(waitMs / 1000)}s; try again` });
        }
        continue;
      }
      const current = await stored(tenant, id);
      if (!current) continue;
      if (current.disconnected) throw disconnected(conn.connector, id);
      if (adoptable(current.credentials, seen, Date.now())) return current;
      // Released with nothing new (the holder failed or found the token fresh): try ourselves.
    }
  };
}

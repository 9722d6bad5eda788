/**
 * Background token refresh for idle connections: a connection nobody calls would otherwise
 * reach its refresh token's own expiry (or a provider's idle limit) and need a new consent.
 *
 * Every process may run a refresher; a lease row per connection (the generic `leases`
 * table, taken with one conditional UPDATE) makes sure only one of them refreshes a given
 * connection at a time, and the winner re-reads the credentials under the lease, so a token
 * another process just refreshed is not refreshed again (which, with rotating refresh
 * tokens, would invalidate the one just stored).
 *
 * The window (by default twice the on-use refresh skew, at least two passes) is wider than
 * the on-use skew, so with a refresher running, refreshes happen here under the lease rather
 * than on use.
 *
 * Candidates are found without unsealing: active connections whose credential field names
 * include both `refresh_token` and `expires_at`; only those are opened to read the expiry.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { authKinds } from '../../components/auth/registry.js';
import { specDurationMs } from '../../components/auth/common.js';
import { clientOf, credentialsFromToken, expiresAtMs, requestToken } from '../../components/auth/oauth2-token.js';
import type { ConnectionService } from '../connections/service.js';
import { isConnectorError } from '../../core/errors.js';
import type { HttpClient } from '../../run/http/client.js';
import type { Connection } from '../../core/wire.js';
import { silentLogger, type Logger } from '../../core/log.js';
import type { Plan, PlanAuthMethod } from '../../plan/plan.js';
import { chooseAuthMethod } from '../../run/operations/context.js';
import { LeasesRepo } from '../store/leases.js';
import type { Store } from '../store/store.js';
import type { OAuthApps } from './apps.js';
import { appHostRule } from './flow.js';
import type { HostRule } from '../../components/auth/oauth2-hosts.js';
import { refreshCandidates } from '../store/connections.js';
import { INTERRUPTED_NOTE, isRefusedGrant, refreshLeaseKey, refusedGrantError, takeRefreshLease } from './refresh-gate.js';
import { ConnectorError } from '../../core/errors.js';

export interface TokenRefresherOptions {
  store: Store;
  connections: ConnectionService;
  plans: ReadonlyMap<string, Plan>;
  /** For token endpoint calls; the runtime gives one behind the outbound guard. */
  http: HttpClient;
  /** When given, a connection whose stored client id is the app's uses the app's current secret (rotated secrets). */
  apps?: OAuthApps;
  logger?: Logger;
  /**
   * Refresh tokens that expire within this long. Default: twice the method's on-use
   * `refresh_skew` or twice the interval, whichever is longer, so a pass gets there before a
   * call would, without refreshing short-lived tokens on every pass.
   */
  windowMs?: number;
  /** Time between passes. Default 60s. */
  intervalMs?: number;
  /** How long one refresh may hold a connection's lease. Default 60s. */
  leaseMs?: number;
  batchSize?: number;
  owner?: string;
}

export type RefreshOutcome = 'refreshed' | 'fresh' | 'busy' | 'skipped' | 'failed';

export interface RefreshPass {
  checked: number;
  refreshed: number;
  busy: number;
  failed: number;
}

export { refreshLeaseKey };

export class TokenRefresher {
  private readonly leases: LeasesRepo;
  private readonly logger: Logger;
  private readonly owner: string;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = true;

  constructor(private readonly opts: TokenRefresherOptions) {
    this.leases = new LeasesRepo(() => opts.store.now());
    this.logger = opts.logger ?? silentLogger;
    this.owner = opts.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  }

  private windowMs(method: PlanAuthMethod): number {
    const interval = this.opts.intervalMs ?? 60_000;
    return this.opts.windowMs ?? Math.max(2 * specDurationMs(method.spec.refresh_skew, 60_000), 2 * interval);
  }

  /** The method as the connection's environment declares it (a sandbox refreshes at the sandbox's token URL). */
  private refreshMethod(connector: string, auth: string | undefined, environment?: string): PlanAuthMethod | undefined {
    const plan = this.opts.plans.get(connector);
    if (!plan) return undefined;
    let method: PlanAuthMethod;
    try {
      method = chooseAuthMethod(plan, { connector, auth, environment });
    } catch {
      return undefined;
    }
    const refreshable = authKinds.get(method.type)?.refreshable?.(method) === true;
    return refreshable ? method : undefined;
  }

  private due(method: PlanAuthMethod, credentials: Record<string, unknown> | undefined): boolean {
    const c = credentials ?? {};
    if (typeof c.refresh_token !== 'string' || c.refresh_token === '') return false;
    const at = expiresAtMs(c.expires_at);
    return at !== undefined && at - this.windowMs(method) <= this.opts.store.now();
  }

  /** One pass over every candidate connection. */
  async runOnce(): Promise<RefreshPass> {
    const pass: RefreshPass = { checked: 0, refreshed: 0, busy: 0, failed: 0 };
    let after = '';
    for (;;) {
      const rows = await refreshCandidates(this.opts.store, after, this.opts.batchSize ?? 100);
      if (rows.length === 0) break;
      after = rows[rows.length - 1].id;
      for (const r of rows) {
        // stop() during a scheduled pass: leave the rest for the next process to run.
        if (this.stopped && this.running !== undefined) return pass;
        const method = this.refreshMethod(r.connector, r.auth ?? undefined);
        if (!method) continue;
        pass.checked++;
        const outcome = await this.refreshOne(r.tenant, r.id);
        if (outcome === 'refreshed') pass.refreshed++;
        else if (outcome === 'busy') pass.busy++;
        else if (outcome === 'failed') pass.failed++;
      }
    }
    return pass;
  }

  /** Refreshes one connection if its token is due and no other process is refreshing it. */
  async refreshOne(tenant: string, id: string, method?: PlanAuthMethod): Promise<RefreshOutcome> {
    const { connections } = this.opts;
    const first = await connections.resolve({ tenant, id });
    const m = method ?? this.refreshMethod(first.info.connector, first.info.auth, first.connection.environment);
    if (!m) return 'skipped';
    if (first.info.status !== 'active' || !this.due(m, first.connection.credentials)) return 'fresh';
    const key = refreshLeaseKey(id);
    const lease = await takeRefreshLease(this.leases, first.scope, id, this.owner, this.opts.leaseMs ?? 60_000);
    if (!lease.acquired) return 'busy';
    let current: Connection | undefined;
    let note: string | undefined;
    try {
      // Under the lease, read again: another process may have refreshed just before we took it.
      const again = await connections.resolve({ tenant, id });
      current = again.connection;
      if (again.info.status !== 'active' || !this.due(m, current.credentials)) return 'fresh';
      await this.refresh(m, again.info.tenant, current);
      return 'refreshed';
    } catch (err) {
      const line = { tenant, connection: id, connector: first.info.connector, kind: isConnectorError(err) ? err.kind : undefined, err: (err as Error).message };
      // The provider refused the refresh token itself: only a new consent can fix that. Other
      // refusals (a client secret rotated at the provider) are the operator's to fix: keep trying.
      if (isRefusedGrant(err)) {
        await connections.markError(first.scope, id, refusedGrantError(err as ConnectorError, lease.interrupted), current);
        this.logger.warn(line, 'background token refresh rejected; the connection needs a new consent');
      } else {
        if (lease.interrupted) note = INTERRUPTED_NOTE;
        this.logger.warn(line, 'background token refresh failed; will retry');
      }
      return 'failed';
    } finally {
      await this.leases.release(first.scope, key, lease.runId, note);
      await this.opts.store.invalidations.publish('lease', tenant, key);
    }
  }

  private async refresh(method: PlanAuthMethod, tenant: string, conn: Connection): Promise<void> {
    const template = { config: conn.config ?? {}, credentials: conn.credentials ?? {}, settings: conn.settings ?? {} };
    let client = clientOf(template);
    const app = await this.opts.apps?.resolve(tenant, conn.connector);
    let hostRule: HostRule | undefined;
    if (app && (client.id === undefined || client.id === app.clientId)) {
      client = { id: app.clientId, secret: app.clientSecret ?? client.secret };
      // The app's secret goes out: the hosts it may go to are the app's, not the connection's config.
      hostRule = appHostRule(conn.connector, method, app);
    }
    const result = await requestToken({
      method,
      endpoint: 'refresh_url',
      params: { grant_type: 'refresh_token', refresh_token: String(template.credentials.refresh_token) },
      clientId: client.id,
      clientSecret: client.secret,
      http: this.opts.http,
      template,
      hostRule,
      connector: conn.connector,
    });
    // Replace rather than merge: a response without a lifetime must clear the old expiry.
    await this.opts.connections.update({ tenant, id: conn.id! }, {
      credentials: credentialsFromToken(template.credentials, result),
      settings: Object.keys(result.settings).length ? { ...template.settings, ...result.settings } : undefined,
      skipCheck: true,
    });
    this.logger.info({ tenant, connection: conn.id, connector: conn.connector, rotated: Boolean(result.refreshToken) }, 'oauth2 token refreshed in the background');
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = () => {
      this.timer = undefined;
      this.running = this.runOnce()
        .catch((err) => this.logger.error({ err: (err as Error).message }, 'background token refresh pass failed'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule(tick);
        });
    };
    this.schedule(tick, 0);
  }

  private schedule(tick: () => void, delay = this.opts.intervalMs ?? 60_000): void {
    this.timer = setTimeout(tick, delay);
    this.timer.unref();
  }

  /** Stops scheduling passes and waits for the one running, if any. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

/**
 * Tenants' connections through the engine: validated against the connector's schemas,
 * proven with `check` before anything is stored, secrets sealed at rest and never returned.
 */
import { ConnectorError, isConnectorError } from '../../core/errors.js';
import type { Connection } from '../../core/wire.js';
import type { Plan } from '../../plan/plan.js';
import { chooseEnvironment, freezeSnapshot, resolveConnection } from '../../run/operations/context.js';
import { collectSecrets, redact } from '../../core/redact.js';
import type { Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import type { Page, PageRequest } from '../store/paging.js';
import { ConnectionsRepo, type ConnectionInfo, type ConnectionStatus } from '../store/connections.js';
import { newId } from '../store/ids.js';
import { ConnectionRoutesRepo, type RouteSource } from '../store/connection-routes.js';
import type { EngineSeam } from './seam.js';
import type { ConnectionLifecycle, ConnectionRef, CreateConnectionInput, ResolvedStoredConnection, UpdateConnectionInput } from './types.js';
import { silentLogger, type Logger } from '../../core/log.js';
import { ENVIRONMENT_SETTING, setChoice, storedChoice, storedEnvironment } from './settings.js';
import { runTeardown, setupInPlace, type SetupResult } from './setup.js';
import { markDraft, RecentConnections } from './recent.js';

export type { ConnectionLifecycle, ConnectionRef, CreateConnectionInput, ResolvedStoredConnection, UpdateConnectionInput } from './types.js';

export class ConnectionService {
  private readonly repo: ConnectionsRepo;
  /** Set by the platform once the services the hooks need exist. */
  lifecycle: ConnectionLifecycle = {};
  /** Where teardown failures are reported; set by the platform. */
  logger: Logger = silentLogger;
  /** `resolveRecent`'s cache (recent.ts). */
  private readonly recent: RecentConnections;
  /** What each connection proved to its provider: the only values connector-level webhooks route by. */
  readonly routes: ConnectionRoutesRepo;

  constructor(
    private readonly store: Store,
    repo: ConnectionsRepo,
    private readonly engine: EngineSeam,
  ) {
    this.repo = repo;
    this.routes = new ConnectionRoutesRepo(store);
    this.recent = new RecentConnections((ref) => this.resolve(ref), (r) => this.snapshot(r));
    // Another process changed a connection (or notices were missed): the copy here is stale.
    repo.watch((ref) => (ref ? this.recent.forget(ref) : this.recent.clear()));
  }

  /** Whether changes made by other processes are heard at once (PostgreSQL). */
  get notified(): boolean {
    return this.repo.notified;
  }

  /** Calls `fn` when a connection changes in any process, or with nothing when every copy must be read again. */
  watch(fn: (ref?: { tenant: string; id: string }) => void): () => void {
    return this.repo.watch(fn);
  }

  /** The check, returning the settings the manifest learns from its response. */
  private async runCheck(connection: Connection): Promise<Record<string, unknown> | undefined> {
    const result = (await this.engine.check(connection)) as { settings?: Record<string, unknown> } | undefined;
    return result?.settings;
  }

  private setup(plan: Plan, connection: Connection, resume?: { index: number; option: string }): Promise<SetupResult | undefined> {
    return setupInPlace(plan, this.engine.requests, connection, resume);
  }

  private plan(connector: string): Plan {
    const plan = this.engine.plan(connector);
    if (!plan) throw new ConnectorError({ kind: 'not_found', origin: 'caller', connector, message: `unknown connector "${connector}"` });
    return plan;
  }

  /** The tenant scope and id a reference points at (not checking the row exists). */
  async locate(ref: ConnectionRef): Promise<{ scope: TenantScope; id: string }> {
    if (typeof ref !== 'string') return { scope: this.store.scope(ref.tenant), id: ref.id };
    const tenant = await this.repo.tenantOf(ref);
    if (!tenant) throw notFound(ref);
    return { scope: this.store.scope(tenant), id: ref };
  }

  /** Validates, checks, and only then stores. A failed check throws and stores nothing. */
  async create(input: CreateConnectionInput): Promise<ConnectionInfo> {
    const plan = this.plan(input.connector);
    const id = newId('conn');
    const environment = chooseEnvironment(plan, input.environment ?? storedEnvironment(input.settings))?.name;
    const connection: Connection = {
      connector: plan.id,
      id,
      tenant: input.tenant,
      auth: input.auth,
      config: input.config ?? {},
      credentials: input.credentials ?? {},
      settings: { ...input.settings, ...input.learned, ...(environment ? { [ENVIRONMENT_SETTING]: environment } : {}) },
      ...(environment ? { environment } : {}),
    };
    markDraft(connection);
    const scope = this.store.scope(input.tenant);
    if (await this.repo.findByName(scope, plan.id, input.name)) {
      throw new ConnectorError({ kind: 'conflict', origin: 'caller', connector: plan.id, message: `tenant "${input.tenant}" already has a ${plan.id} connection named "${input.name}"` });
    }
    resolveConnection(plan, connection);
    // Set-up runs in memory before anything is stored: a failed step leaves no row behind.
    const setup = input.setupDone ? undefined : await this.setup(plan, connection);
    const pending = input.setupDone?.pendingChoice ?? setup?.pending;
    setChoice(connection.settings!, pending);
    const checked = input.skipCheck || pending ? undefined : await this.runCheck(connection);
    if (checked) connection.settings = { ...connection.settings, ...checked };
    const inserted = await this.repo.insert(scope, {
      id, connector: plan.id, name: input.name, auth: input.auth,
      config: connection.config!,
      credentials: connection.credentials!,
      settings: connection.settings,
      status: pending ? 'needs_choice' : 'active',
    });
    const owner = { tenant: input.tenant, connector: plan.id, connectionId: id };
    await this.routes.merge(owner, input.learned, 'token');
    await this.routes.merge(owner, setup?.learned, 'setup');
    await this.routes.merge(owner, checked, 'check');
    // A connection waiting for a choice is not finished: its webhooks are subscribed once it is.
    return pending ? inserted : this.afterCreated(scope, id, connection, inserted);
  }

  /** The lifecycle's `afterCreate`; its failure marks the connection `error`, never undoes it. */
  private async afterCreated(scope: TenantScope, id: string, connection: Connection, info: ConnectionInfo): Promise<ConnectionInfo> {
    if (!this.lifecycle.afterCreate) return info;
    try {
      await this.lifecycle.afterCreate({ tenant: scope.tenant, id });
    } catch (err) {
      await this.markError(scope, id, err, connection);
    }
    // The hook may have stored what the provider returned (a webhook secret) past this service.
    this.forget({ tenant: scope.tenant, id });
    return (await this.repo.get(scope, id)) ?? info;
  }

  async get(ref: ConnectionRef): Promise<ConnectionInfo | undefined> {
    try {
      const { scope, id } = await this.locate(ref);
      return await this.repo.get(scope, id);
    } catch (err) {
      if (isConnectorError(err) && err.kind === 'not_found') return undefined;
      throw err;
    }
  }

  /** One tenant's connections, or (no tenant) every tenant's, for operators; a page at a time. */
  async list(filter: { tenant?: string; connector?: string; status?: ConnectionStatus } & PageRequest = {}): Promise<Page<ConnectionInfo>> {
    if (filter.tenant === undefined) return this.repo.listAllTenants(filter);
    return this.repo.list(this.store.scope(filter.tenant), filter);
  }

  async findByName(tenant: string, connector: string, name: string): Promise<ConnectionInfo | undefined> {
    return this.repo.findByName(this.store.scope(tenant), connector, name);
  }

  /** The connection with its credentials opened, for running it through the engine. */
  async resolve(ref: ConnectionRef): Promise<ResolvedStoredConnection> {
    const { scope, id } = await this.locate(ref);
    const info = await this.repo.get(scope, id);
    if (!info) throw notFound(id);
    const credentials = await this.repo.getCredentials(scope, id);
    const connection: Connection = {
      connector: info.connector,
      id: info.id,
      tenant: info.tenant,
      auth: info.auth,
      config: info.config,
      credentials,
      settings: info.settings,
    };
    const environment = storedEnvironment(info.settings);
    if (environment !== undefined) connection.environment = environment;
    return { scope, info, connection };
  }

  /**
   * `resolve` for the hot path (an API action call), served from memory when this process
   * read the same tenant's connection less than `maxAgeMs` ago. Every change made through
   * this service (update, disconnect, markError/markActive, persisted tokens) drops the entry
   * at once; a change made by another process (or straight through the repository) is seen
   * within `maxAgeMs`. Credentials that expire within five minutes are always read fresh.
   * The config, credentials and settings handed out are frozen snapshots shared by the calls
   * in that window; the connection object around them is each caller's own.
   */
  resolveRecent(ref: { tenant: string; id: string }, maxAgeMs: number): Promise<ResolvedStoredConnection> {
    return this.recent.resolve(ref, maxAgeMs);
  }

  /**
   * Drops what `resolveRecent` remembers of a connection, for code that changes it without
   * this service (a webhook subscription storing its secret).
   */
  forget(ref: { tenant: string; id: string }): void {
    this.recent.forget(ref);
  }

  /**
   * The connection as a frozen snapshot, proven against its plan first (which also fills
   * schema defaults, the one change validation makes); undefined when it is not valid, so
   * the engine reports that on every call as usual.
   */
  private snapshot(r: ResolvedStoredConnection): ResolvedStoredConnection | undefined {
    const plan = this.engine.plan(r.info.connector);
    if (!plan) return undefined;
    try {
      resolveConnection(plan, r.connection);
    } catch {
      return undefined;
    }
    const c = r.connection;
    const connection: Connection = {
      ...c,
      config: freezeSnapshot(c.config ?? {}),
      credentials: freezeSnapshot(c.credentials ?? {}),
      settings: freezeSnapshot(c.settings ?? {}),
    };
    return { scope: r.scope, info: freezeSnapshot(r.info), connection };
  }

  /** Re-validates and re-checks the merged connection; on failure nothing changes. */
  async update(ref: ConnectionRef, patch: UpdateConnectionInput): Promise<ConnectionInfo> {
    const { scope, info, connection } = await this.resolve(ref);
    const plan = this.plan(info.connector);
    const credentials = patch.credentials === undefined
      ? connection.credentials
      : patch.mergeCredentials ? { ...connection.credentials, ...patch.credentials } : patch.credentials;
    const next: Connection = {
      ...connection,
      auth: patch.auth ?? connection.auth,
      config: patch.config ?? connection.config,
      credentials,
      settings: { ...(patch.settings ?? connection.settings), ...patch.learned },
    };
    markDraft(next);
    const pending = patch.setupDone?.pendingChoice;
    if (patch.setupDone) setChoice(next.settings!, pending);
    resolveConnection(plan, next);
    const checked = patch.skipCheck ? undefined : await this.runCheck(next);
    if (checked) next.settings = { ...next.settings, ...checked };
    const learned = patch.learned !== undefined || checked !== undefined;
    // The check may have refreshed an OAuth token in place (next.credentials replaced).
    const credentialsChanged = patch.credentials !== undefined || next.credentials !== credentials;
    const updated = await this.repo.update(scope, info.id, {
      name: patch.name,
      auth: patch.auth,
      config: patch.config,
      credentials: credentialsChanged ? next.credentials : undefined,
      settings: patch.settings !== undefined || learned || patch.setupDone ? next.settings : undefined,
      // A connection that passes its check again is usable again.
      status: pending ? 'needs_choice' : (info.status === 'error' || (patch.setupDone && info.status === 'needs_choice')) && !patch.skipCheck ? 'active' : undefined,
    });
    // A proof holds for the credentials it was made with: new credentials, auth or config
    // without a new check (or token) leave the connection unroutable until it proves again.
    const owner = { tenant: scope.tenant, connector: info.connector, connectionId: info.id };
    const changed = patch.credentials !== undefined || patch.auth !== undefined || patch.config !== undefined;
    if (changed) await this.routes.clear(info.id);
    await this.routes.merge(owner, patch.learned, patch.learnedSource ?? 'token');
    await this.routes.merge(owner, checked, 'check');
    this.forget({ tenant: scope.tenant, id: info.id });
    return updated!;
  }

  /** Records settings a successful check outside this service (the consent flow's) learned. */
  async learn(scope: TenantScope, id: string, settings: Record<string, unknown> | undefined, source: RouteSource): Promise<void> {
    if (!settings || Object.keys(settings).length === 0) return;
    const info = await this.repo.get(scope, id);
    if (!info || info.status === 'disconnected') return;
    await this.repo.update(scope, id, { settings: { ...info.settings, ...settings } });
    await this.routes.merge({ tenant: scope.tenant, connector: info.connector, connectionId: id }, settings, source);
    this.forget({ tenant: scope.tenant, id });
  }

  /** Wipes the credentials and keeps the row (its runs and records stay attributable). */
  async disconnect(ref: ConnectionRef): Promise<ConnectionInfo> {
    const { scope, id } = await this.locate(ref);
    await this.teardown(scope, id);
    // Best effort by design: a provider that refuses to drop the subscription must not keep
    // a user from disconnecting (the hook logs the failure).
    await this.lifecycle.beforeDisconnect?.({ tenant: scope.tenant, id }).catch(() => undefined);
    const updated = await this.repo.update(scope, id, { credentials: null, status: 'disconnected' });
    await this.routes.clear(id);
    this.forget({ tenant: scope.tenant, id });
    if (!updated) throw notFound(id);
    return updated;
  }

  /** The connector's teardown requests, with the credentials still there; never throws. */
  private async teardown(scope: TenantScope, id: string): Promise<void> {
    const info = await this.repo.get(scope, id).catch(() => undefined);
    const plan = info && info.status !== 'disconnected' ? this.engine.plan(info.connector) : undefined;
    if (plan?.teardown && this.engine.requests) await runTeardown(plan, this.engine.requests, async () => (await this.resolve({ tenant: scope.tenant, id })).connection, this.logger);
  }

  /**
   * Completes a connection in `needs_choice`: the step's request is sent again and the chosen
   * candidate, the steps after it and the check run before anything is stored.
   */
  async choose(ref: ConnectionRef, option: string): Promise<ConnectionInfo> {
    const { scope, info, connection } = await this.resolve(ref);
    const choice = storedChoice(info.settings);
    if (info.status !== 'needs_choice' || !choice) {
      throw new ConnectorError({ kind: 'conflict', origin: 'caller', connector: info.connector, code: 'no_pending_choice', message: `connection ${info.id} is not waiting for a choice (status ${info.status})` });
    }
    const setup = (await this.setup(this.plan(info.connector), connection, { index: choice.index, option }))!;
    const pending = setup.pending;
    const updated = await this.update({ tenant: scope.tenant, id: info.id }, {
      settings: connection.settings, credentials: connection.credentials, learned: setup.learned, learnedSource: 'setup',
      setupDone: { pendingChoice: pending }, skipCheck: Boolean(pending),
    });
    return pending ? updated : this.afterCreated(scope, info.id, connection, updated);
  }

  /** Records a failure that says the connection itself is broken (auth, config). */
  async markError(scope: TenantScope, id: string, err: unknown, connection?: Connection): Promise<void> {
    const message = redact(err instanceof Error ? err.message : String(err), collectSecrets(connection));
    await this.repo.update(scope, id, { status: 'error', error: message });
    this.forget({ tenant: scope.tenant, id });
  }

  /**
   * Runs a provider call for a stored connection; a credential the provider refuses puts the
   * connection in `error` (as a sync would) before the failure goes on to the caller.
   */
  async markingRefusals<T>(scope: TenantScope, id: string, connection: Connection, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isConnectorError(err) && err.request !== undefined && AUTH_ERROR_KINDS.has(err.kind)) await this.markError(scope, id, err, connection);
      throw err;
    }
  }

  async markActive(scope: TenantScope, id: string): Promise<void> {
    await this.repo.update(scope, id, { status: 'active' });
    this.forget({ tenant: scope.tenant, id });
  }

  /**
   * The engine's credentials listener: persists refreshed or rotated OAuth tokens (merged
   * over the stored ones, since a refresh response may omit the refresh token) and any
   * settings learned with them.
   */
  async persistCredentials(connection: Connection, credentials: Record<string, unknown>, settings?: Record<string, unknown>): Promise<void> {
    if (!connection.id || !connection.tenant) return;
    const scope = this.store.scope(connection.tenant);
    const info = await this.repo.get(scope, connection.id);
    if (!info || info.status === 'disconnected') return;
    const current = await this.repo.getCredentials(scope, connection.id);
    await this.repo.update(scope, connection.id, {
      credentials: { ...current, ...credentials },
      settings: settings ? { ...info.settings, ...settings } : undefined,
    });
    // A refreshed token's response is the provider's word, like the first one.
    if (settings) await this.routes.merge({ tenant: connection.tenant, connector: info.connector, connectionId: connection.id }, settings, 'token');
    this.forget({ tenant: connection.tenant, id: connection.id });
  }
}

function notFound(id: string): ConnectorError {
  return new ConnectorError({ kind: 'not_found', origin: 'connection', message: `no connection with id "${id}"` });
}

export const AUTH_ERROR_KINDS = new Set(['auth', 'forbidden', 'config']);

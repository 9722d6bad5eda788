/**
 * The stateful layer a host embeds around the engine: a store, the vault, tenants'
 * connections, syncs with their history, the change feed, schedules and the scheduler.
 * The HTTP runtime and the CLI are built on this, not on the store directly.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createEngine, type Engine, type EngineOptions } from '../run/engine.js';
import type { Connection, CredentialsListener, RefreshGate } from '../core/wire.js';
import { createRefreshGate, type RefreshGateOptions } from './oauth/refresh-gate.js';
import type { Logger } from '../core/log.js';
import { openStore, type Store } from './store/store.js';
import { DEFAULT_DATABASE_URL } from './store/config.js';
import { ConnectionsRepo } from './store/connections.js';
import { StateRepo } from './store/state.js';
import { RecordsRepo } from './store/records.js';
import { RunsRepo, type SyncRun } from './store/runs.js';
import { LeasesRepo } from './store/leases.js';
import { SchedulesRepo } from './store/schedules.js';
import { SealedValuesRepo } from './store/sealed-values.js';
import { createVault, type Vault } from './secrets/vault.js';
import { keySource } from './secrets/keyfile.js';
import { liveKeyRing, type KeyRingReload, type ReloadCause } from './secrets/live-ring.js';
import { rotateSecrets, type RotateOptions, type RotateReport } from './secrets/rotate.js';
import { ConnectionService, type ConnectionLifecycle, type ConnectionRef } from './connections/service.js';
import type { EngineSeam } from './connections/seam.js';
import { SyncRunner, type SyncOptions } from './sync/runner.js';
import { DiscoveredStreams, type DiscoveredStreamsApi } from './sync/discovered.js';
import { DiscoveredStreamsRepo } from './store/discovered-streams.js';
import type { DiscoverResult } from '../run/operations/discover.js';
import { Scheduler, type SchedulerOptions } from './sync/scheduler.js';
import { recordsApi, runsApi, schedulesApi, stateApi, type RecordsApi, type RunsApi, type SchedulesApi, type StateApi } from './sync/api.js';
import { withConnectorSecrets } from './connector-secrets-engine.js';
import { createWebhooks, type WebhooksOptions, type WebhooksService } from './webhooks/service.js';
import { createDeliveries, type Deliveries, type DeliveriesOptions } from './deliveries/service.js';
import { createRetention, type Retention, type RetentionOptions } from './retention/service.js';
import { sharedRateSlots } from './limits/shared-slots.js';
import type { RateSlotSource } from '../run/http/rate-slots.js';

export interface PlatformOptions {
  /**
   * The engine to run connections with. Create it with `onCredentials` and `refreshGate`
   * forwarding to `platform.onCredentials` and `platform.refreshGate` so refreshed tokens are
   * persisted, once per refresh across processes; or pass `connectors` instead and the
   * platform creates (and closes) an engine wired that way.
   */
  engine?: Engine;
  /** Share `rate_limit` windows with the other processes on this PostgreSQL database (see `Platform.rateSlots`); default true. */
  sharedRateLimits?: boolean;
  connectors?: EngineOptions['connectors'];
  /** Wraps the engine the platform creates from `connectors` (e.g. withBaseUrlOverrides for the operator's CLI). */
  wrapEngine?: (engine: Engine) => Engine;
  /** The outbound address guard for the engine the platform creates (off unless given). */
  outbound?: EngineOptions['outbound'];
  /** `sqlite:<file>` or `postgres://…`; default `PATCHBAY_DATABASE_URL`, else `sqlite:./patchbay.db`. */
  database?: string;
  /** PostgreSQL schema (else `?schema=` in the URL). */
  schema?: string;
  /** `kid:base64key,…`, first current; default `PATCHBAY_SECRET_KEYS`, else `secretKeysFile`, else a local key file (SQLite only). */
  secretKeys?: string;
  /** A file holding the key list, re-read when it changes; default `PATCHBAY_SECRET_KEYS_FILE`. */
  secretKeysFile?: string;
  logger?: Logger;
  /** The cross-process token refresh lease (see oauth/refresh-gate.ts): how long it may be held and waited for. */
  refresh?: Pick<RefreshGateOptions, 'leaseMs' | 'waitMs' | 'pollMs'>;
  /** How long a sync's lease lasts without a heartbeat; a dead process's run is reclaimed after it. Default 60s. */
  leaseMs?: number;
  scheduler?: SchedulerOptions;
  /** Where key-file warnings go; default stderr. */
  warn?: (message: string) => void;
  /** Clock in epoch ms (tests). */
  now?: () => number;
  /** Inbound webhooks: public URL, body limit, worker tuning (see engine/platform/webhooks/service.ts). */
  webhooks?: Omit<WebhooksOptions, 'platform' | 'engine' | 'logger'>;
  /** Outbound deliveries to host services: retry schedule, timeout, worker tuning (see engine/platform/deliveries/service.ts). */
  deliveries?: Omit<DeliveriesOptions, 'store' | 'vault' | 'logger'>;
  /** How long history is kept and how often the purge runs (see engine/platform/retention/service.ts); defaults from PATCHBAY_RETENTION_*. */
  retention?: RetentionOptions;
}

export interface Platform {
  readonly engine: Engine;
  readonly store: Store;
  readonly vault: Vault;
  /**
   * On PostgreSQL, the request slots every process on the database shares: an engine the
   * platform creates uses it; give it to `createEngine({ rateSlots })` when you create the
   * engine yourself. Undefined on SQLite (one process: its limiter sees every call).
   */
  readonly rateSlots?: RateSlotSource;
  readonly connections: ConnectionService;
  /** Runs one sync of a stream and resolves with its run (failed runs resolve too). */
  sync(connection: ConnectionRef, stream: string, opts?: SyncOptions): Promise<SyncRun>;
  /**
   * Asks the provider for the connection's dynamic streams now (every family's, or the one
   * named) and keeps the list; a stream no longer listed leaves it, its records and state stay.
   */
  discover(connection: ConnectionRef, family?: string, opts?: { signal?: AbortSignal }): Promise<DiscoverResult>;
  /** The discovered streams as the last discovery stored them. */
  readonly discovered: Pick<DiscoveredStreamsApi, 'list'>;
  readonly records: RecordsApi;
  /** What each stream resumes from: the cursor and the values kept from responses. */
  readonly state: StateApi;
  readonly runs: RunsApi;
  readonly schedules: SchedulesApi;
  readonly scheduler: Scheduler;
  readonly secrets: {
    rotate(opts?: RotateOptions): Promise<RotateReport>;
    /**
     * Re-reads the key source now (`serve` does on SIGHUP). A source that cannot be used
     * leaves the keys as they were; the result says so, and it is logged.
     */
    reload(cause?: ReloadCause): KeyRingReload;
  };
  /** Give this to `createEngine({ onCredentials })` when you create the engine yourself. */
  readonly onCredentials: CredentialsListener;
  /** Give this to `createEngine({ refreshGate })` too: one token refresh per connection across processes. */
  readonly refreshGate: RefreshGate;
  /** Inbound webhooks: intake, processing worker (`start()` it), event log, replay, listeners. */
  readonly webhooks: WebhooksService;
  /** Outbound deliveries (the webhooks' event publisher): subscriptions, delivery log, redeliver, the worker (`start()` it). */
  readonly deliveries: Deliveries;
  /** Deletes webhook events, bodies, deliveries and sync runs past their window: `purge()` now, or `start()` the periodic worker. */
  readonly retention: Retention;
  /** Stops the scheduler (letting running syncs finish), then closes the store. */
  close(): Promise<void>;
}

export const DEFAULT_LEASE_MS = 60_000;

function seamOf(engine: Engine): EngineSeam {
  return {
    plan: (id) => engine.plans.get(id),
    check: (conn, opts) => engine.check(conn, opts),
    read: (conn, stream, opts) => engine.read(conn, stream, opts),
    discover: (conn, family, opts) => engine.discover(conn, family, opts),
    requests: engine.requests,
  };
}

export async function createPlatform(opts: PlatformOptions = {}): Promise<Platform> {
  const url = opts.database ?? process.env.PATCHBAY_DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const store = await openStore(url, { schema: opts.schema, now: opts.now });
  let ownEngine: Engine | undefined;
  try {
    const source = keySource({ secretKeys: opts.secretKeys, secretKeysFile: opts.secretKeysFile, sqliteFile: store.dialect === 'sqlite' ? store.file : undefined, warn: opts.warn });
    const ring = liveKeyRing(source, { onReload: keyReloadReporter(opts) });
    const vault = createVault(ring);
    let connections: ConnectionService | undefined;
    const onCredentials: CredentialsListener = (conn: Connection, credentials, settings) =>
      connections?.persistCredentials(conn, credentials, settings);
    const rateSlots = opts.sharedRateLimits === false ? undefined : sharedRateSlots(store, opts.logger);
    let gate: RefreshGate | undefined;
    let self: Platform | undefined;
    // Bound late like the listener: the engine exists before the connection service the gate commits through.
    const refreshGate: RefreshGate = (conn, method, refresh) =>
      gate ? gate(conn, method, refresh) : refresh({ credentials: conn.credentials ?? {}, settings: conn.settings });
    if (!opts.engine) {
      ownEngine = await createEngine({ connectors: opts.connectors, logger: opts.logger, onCredentials, refreshGate, outbound: opts.outbound, rateSlots });
      // The operator's connector secrets reach auth templates; the store that keeps them is bound below.
      ownEngine = withConnectorSecrets(ownEngine, async (connector) => (self ? (await self.webhooks.connectorSecrets.context(connector)).secrets : {}));
      if (opts.wrapEngine) ownEngine = opts.wrapEngine(ownEngine);
    }
    const engine = opts.engine ?? ownEngine!;
    const seam = seamOf(engine);
    const now = () => store.now();

    const state = new StateRepo(now);
    const recordsRepo = new RecordsRepo(state, now);
    const runsRepo = new RunsRepo(store);
    const schedulesRepo = new SchedulesRepo(store);
    const sealedValues = new SealedValuesRepo(store);
    connections = new ConnectionService(store, new ConnectionsRepo(store, vault), seam);
    if (opts.logger) connections.logger = opts.logger;
    const owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    gate = createRefreshGate({ store, connections, owner, logger: opts.logger, ...opts.refresh });
    const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    const discovered = new DiscoveredStreams(connections, seam, new DiscoveredStreamsRepo(now));
    const runner = new SyncRunner({ store, engine: seam, connections, state, records: recordsRepo, runs: runsRepo, leases: new LeasesRepo(now), streams: discovered, owner, leaseMs });
    const retention = createRetention(store, opts.retention, opts.logger);
    const scheduler = new Scheduler({ store, schedules: schedulesRepo, runs: runsRepo, runner, owner, leaseMs, logger: opts.logger }, opts.scheduler);

    let webhooks: WebhooksService | undefined;
    let deliveries: Deliveries | undefined;
    const deliveriesService = () => (deliveries ??= createDeliveries({ outbound: opts.outbound, ...opts.deliveries, store, vault, logger: opts.logger }));
    const platform: Platform = {
      engine,
      store,
      vault,
      rateSlots,
      connections,
      sync: (ref, stream, o) => runner.sync(ref, stream, o),
      discover: (ref, family, o) => discovered.discover(ref, family, o),
      discovered: { list: (ref, family) => discovered.list(ref, family) },
      records: recordsApi(connections, recordsRepo),
      state: stateApi(connections, state),
      runs: runsApi(store, connections, runsRepo),
      schedules: schedulesApi(store, connections, discovered, seam, schedulesRepo, opts.scheduler?.random),
      scheduler,
      secrets: { rotate: (o) => rotateSecrets(sealedValues, vault, o), reload: (cause) => ring.reload(cause) },
      onCredentials,
      refreshGate,
      get webhooks() {
        return (webhooks ??= createWebhooks({ publisher: deliveriesService(), ...opts.webhooks, platform: this as Platform, logger: opts.logger }));
      },
      get deliveries() {
        return deliveriesService();
      },
      retention,
      async close() {
        await retention.stop();
        await webhooks?.close();
        await deliveries?.stop();
        await scheduler.stop();
        await ownEngine?.close();
        await store.close();
      },
    };
    connections.lifecycle = webhookLifecycle(platform, opts);
    self = platform;
    return platform;
  } catch (err) {
    await ownEngine?.close();
    await store.close();
    throw err;
  }
}

/**
 * Key ring reloads go to the log as ids and counts. Without a logger (the CLI), only a
 * failure is worth interrupting the operator for.
 */
function keyReloadReporter(opts: PlatformOptions): (r: KeyRingReload) => void {
  return (r) => {
    const fields = { source: r.source, cause: r.cause, keys: r.keys, currentKeyId: r.currentKeyId, changed: r.changed };
    if (r.ok) {
      opts.logger?.info(fields, 'secret key ring reloaded');
      return;
    }
    if (opts.logger) opts.logger.error({ ...fields, err: r.error }, 'secret key ring reload failed; keeping the previous keys');
    else (opts.warn ?? ((m: string) => process.stderr.write(m)))(`patchbay: secret key ring reload failed, keeping the previous keys: ${r.error}\n`);
  };
}

/**
 * Registers this runtime's webhook URL at the provider when a connection is created, and
 * removes it before a disconnect, for manifests with `webhooks.subscribe` or
 * `webhooks.subscriptions`; a disconnect also owes the token revocation where the auth
 * method declares `revoke_url`. Without a public URL there is nothing a provider could call,
 * so subscribing is skipped (and logged).
 */
function webhookLifecycle(platform: Platform, opts: PlatformOptions): ConnectionLifecycle {
  const webhooksOf = async (ref: { tenant: string; id: string }) => {
    const info = await platform.connections.get(ref);
    return info ? platform.engine.plans.get(info.connector)?.webhooks : undefined;
  };
  return {
    async afterCreate(ref) {
      const w = await webhooksOf(ref);
      if (!w?.subscribe && w?.subscriptions.length === 0) return;
      if (!w || !opts.webhooks?.publicUrl) {
        if (w) opts.logger?.info({ connection: ref.id }, 'webhook subscription skipped: no public URL configured (PATCHBAY_PUBLIC_URL)');
        return;
      }
      if (w.subscribe) await platform.webhooks.subscribe(ref);
      if (w.subscriptions.length > 0) await platform.webhooks.subscriptions.subscribe(ref);
    },
    async beforeDisconnect(ref) {
      // Recorded, not sent: the job unsubscribes and revokes, retrying while the provider is
      // down, so the disconnect neither waits for the provider nor fails because of it.
      try {
        await platform.webhooks.subscriptions.teardown(ref);
      } catch (err) {
        opts.logger?.warn({ connection: ref.id, err: (err as Error).message }, 'recording the unsubscribe and token revocation failed; disconnecting anyway');
      }
      const w = await webhooksOf(ref);
      if (!w?.subscribe) return;
      try {
        await platform.webhooks.unsubscribe(ref);
      } catch (err) {
        opts.logger?.warn({ connection: ref.id, err: (err as Error).message }, 'webhook unsubscribe failed; disconnecting anyway');
        throw err;
      }
    },
  };
}

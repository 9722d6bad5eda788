/**
 * The webhooks service a platform exposes: intake (`receive`), the processing worker,
 * replay, the event log, normalized-event listeners and provider subscriptions, all over
 * one store. Create it with `createWebhooks({ platform })`.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ConnectorError } from '../../core/errors.js';
import type { ConnectionRef, ConnectionService } from '../connections/service.js';
import type { Connection, CredentialsListener } from '../../core/wire.js';
import type { Store } from '../store/store.js';
import type { SyncRun } from '../store/runs.js';
import type { Vault } from '../secrets/vault.js';
import type { SyncOptions } from '../sync/runner.js';
import { silentLogger, type Logger } from '../../core/log.js';
import type { Engine } from '../../run/engine.js';
import type { OperationRuntime } from '../../run/operations/runtime.js';
import { ConnectionsRepo } from '../store/connections.js';
import { RecordsRepo } from '../store/records.js';
import { StateRepo } from '../store/state.js';
import { SyncCoalescer } from './coalesce.js';
import { GroupCommitter } from './commit.js';
import { WebhookEventsRepo } from '../store/webhook-events.js';
import { EventListeners, type EventListener } from './listeners.js';
import { Pipeline } from './pipeline.js';
import { processEvent } from './process.js';
import { routeServices, type RouteServiceDeps } from './route-services.js';
import { webhookUrl } from './request.js';
import { ConnectionResolver } from './resolve.js';
import { RejectionCounter, type RejectionCount } from './rejections.js';
import { ConnectorSecrets } from './connector-secrets.js';
import { WebhookRejectionsRepo } from '../store/webhook-rejections.js';
import { ConnectorSecretsRepo } from '../store/connector-secrets.js';
import { OAuthAppsRepo } from '../store/oauth-apps.js';
import { OAuthApps } from '../oauth/apps.js';
import { subscribe, unsubscribe, type SubscribeDeps, type SubscribeResult } from './subscribe.js';
import { recordTeardown, subscribeAll, type RegistrationDeps } from './registrations.js';
import { RegistrationWorker, type RegistrationWorkerOptions } from './registrations-worker.js';
import { ProviderSubscriptionsRepo, type ProviderSubscription } from '../store/provider-subscriptions.js';
import type { EventPage, EventPublisher, ListEventsFilter, NormalizedEvent, WebhookEvent, WebhookRequest, WebhookResponse } from './types.js';
import { WebhookWorker, type WorkerOptions } from './worker.js';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The parts of the platform the webhook service uses (the platform passes itself). */
export interface WebhooksPlatform {
  readonly engine: Engine;
  readonly store: Store;
  readonly vault: Vault;
  readonly connections: ConnectionService;
  sync(connection: ConnectionRef, stream: string, opts?: SyncOptions): Promise<SyncRun>;
  readonly onCredentials: CredentialsListener;
}

export interface WebhooksOptions {
  platform: WebhooksPlatform;
  /** Default: the platform's engine. */
  engine?: Engine;
  logger?: Logger;
  /** Public base URL of this runtime (`https://hooks.example.com`): the host signed URLs carry and subscriptions point at. */
  publicUrl?: string;
  /** Largest body accepted; default 1 MiB. */
  maxBodyBytes?: number;
  worker?: WorkerOptions;
  /** The job that renews `webhooks.subscriptions` and finishes their teardown (started with `start()`). */
  registrations?: RegistrationWorkerOptions;
  /** The outbound deliveries service, when there is one (also settable later). */
  publisher?: EventPublisher;
  /** Sends subscribe/unsubscribe requests; default the engine's (its limiters, retries and outbound guard). */
  runtime?: OperationRuntime;
  /** Clock in epoch ms for timestamp tolerance; default the store's clock. */
  now?: () => number;
}

export interface WebhooksService {
  /** Intake of one delivery: the answer to send back (2xx only after the events are committed). */
  receive(req: WebhookRequest): Promise<WebhookResponse>;
  /** Starts the background workers: stored events, and provider subscriptions' renewals and teardowns. */
  start(): void;
  /** Stops the workers, waiting for the work in flight. */
  stop(): Promise<void>;
  /** Processes every event due now (without the background worker); returns how many. */
  drain(): Promise<number>;
  /** Runs an event's routes again with a fresh retry budget; resolves with its new state. */
  replay(id: string, opts?: { tenant?: string }): Promise<WebhookEvent>;
  list(filter: ListEventsFilter): Promise<EventPage>;
  get(id: string, opts?: { tenant?: string }): Promise<WebhookEvent | undefined>;
  /** Operator-set secrets of connectors (`secrets:` in the manifest); sealed, never returned. */
  readonly connectorSecrets: ConnectorSecrets;
  /** Operator-only: refused deliveries counted per connector, connection, reason and hour (no tenant, no body). */
  rejections(filter?: { connector?: string; since?: number; limit?: number }): Promise<RejectionCount[]>;
  /** Normalized events from `emit` routes; returns the unsubscribe function. */
  on(name: 'event', fn: EventListener): () => void;
  setPublisher(publisher: EventPublisher | undefined): void;
  subscribe(ref: ConnectionRef, opts?: { url?: string }): Promise<SubscribeResult | undefined>;
  unsubscribe(ref: ConnectionRef): Promise<boolean>;
  /** `webhooks.subscriptions` of a connection at its provider and the work owed on them (renewals, unsubscribes, revocation). */
  readonly subscriptions: {
    /** Sends every subscription request and records what the provider confirms; undefined without `webhooks.subscriptions`. */
    subscribe(ref: ConnectionRef, opts?: { url?: string }): Promise<ProviderSubscription[] | undefined>;
    list(ref: ConnectionRef): Promise<ProviderSubscription[]>;
    /** Records the unsubscribes and the token revocation a disconnect owes (sent by the job); how many. */
    teardown(ref: ConnectionRef): Promise<number>;
    /** Works every due renewal and teardown now, without the background job; how many. */
    drain(): Promise<number>;
    readonly worker: RegistrationWorker;
  };
  /** The intake URL of a connector (connector-level) or of one connection. */
  webhookUrl(connector: string, connectionId?: string): string;
  /** Stops the worker and releases the subscribe client. */
  close(): Promise<void>;
}

export function createWebhooks(opts: WebhooksOptions): WebhooksService {
  const { platform } = opts;
  const store = platform.store;
  const engine = opts.engine ?? platform.engine;
  const logger = opts.logger ?? silentLogger;
  const now = opts.now ?? (() => store.now());
  const plan = (id: string) => engine.plans.get(id);
  const repo = new WebhookEventsRepo(store);
  const listeners = new EventListeners(logger);
  let publisher = opts.publisher;
  const coalescer = new SyncCoalescer();
  const state = new StateRepo(() => store.now());
  const owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  const marked = <T>(ref: { tenant: string; id: string }, connection: Connection, fn: () => Promise<T>): Promise<T> =>
    platform.connections.markingRefusals(store.scope(ref.tenant), ref.id, connection, fn);
  const routeDeps: RouteServiceDeps = {
    store,
    records: new RecordsRepo(state, () => store.now()),
    state,
    sync: (ref, stream) =>
      coalescer.request(`${ref.id}\u0000${stream}`, () => platform.sync(ref, stream, { trigger: 'webhook' })),
    async emit(event: NormalizedEvent) {
      listeners.notify(event);
      if (publisher) await publisher.publish(event);
    },
    resolve: async (ref) => (await platform.connections.resolve(ref)).connection,
    call: (ref, connection, action, input, o) => marked(ref, connection, () => engine.call(connection, action, input, { raw: o.raw })),
    get: (ref, connection, stream, id, o) => marked(ref, connection, () => engine.get(connection, stream, id, { raw: o.raw })),
  };
  const worker = new WebhookWorker({
    repo,
    owner,
    now,
    logger,
    process: (ev) => processEvent({ plan, connections: platform.connections, services: (tenant, id) => routeServices(routeDeps, tenant, id) }, ev),
  }, opts.worker);
  const rejections = new RejectionCounter(new WebhookRejectionsRepo(store), () => store.now());
  const connectorSecrets = new ConnectorSecrets(new ConnectorSecretsRepo(store, platform.vault), new OAuthApps(new OAuthAppsRepo(store, platform.vault)));
  const pipeline = new Pipeline({
    plan,
    resolver: new ConnectionResolver(platform.connections),
    rejections,
    connectorSecrets,
    repo,
    committer: new GroupCommitter(repo),
    logger,
    publicUrl: opts.publicUrl,
    maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    now,
    onStored: () => {
      if (worker.started) worker.kick();
    },
  });

  const subscribeDeps = (): SubscribeDeps => ({
    plan,
    connections: platform.connections,
    repo: new ConnectionsRepo(store, platform.vault),
    runtime: opts.runtime ?? engine.requests,
    publicUrl: opts.publicUrl,
    logger,
  });

  const subs = new ProviderSubscriptionsRepo(store, platform.vault);
  const registrationDeps = (): RegistrationDeps => ({ ...subscribeDeps(), subs, now: () => store.now() });
  const registrations = new RegistrationWorker({ ...registrationDeps(), owner, logger }, opts.registrations);

  async function scopeOf(id: string, tenant?: string) {
    const t = tenant ?? (await repo.tenantOf(id));
    return t ? store.scope(t) : undefined;
  }

  return {
    receive: (req) => pipeline.receive(req),
    start: () => {
      worker.start();
      registrations.start();
    },
    async stop() {
      await worker.stop();
      await registrations.stop();
    },
    drain: () => worker.drain(),
    async replay(id, o = {}) {
      const scope = await scopeOf(id, o.tenant);
      const current = scope ? await repo.get(scope, id) : undefined;
      if (!scope || !current) throw new ConnectorError({ kind: 'not_found', origin: 'caller', message: `no webhook event "${id}"` });
      if (current.status === 'rejected') {
        throw new ConnectorError({ kind: 'conflict', origin: 'caller', connector: current.connector, message: `webhook event ${id} was rejected (${current.reason}) and never verified, so it cannot be replayed` });
      }
      if (!(await repo.resetForReplay(scope, id))) {
        throw new ConnectorError({ kind: 'conflict', origin: 'caller', connector: current.connector, message: `webhook event ${id} is being processed; try again when it finishes` });
      }
      const claimed = await repo.claimOne(id, owner, worker.leaseMs);
      if (claimed) await worker.runClaimed(claimed);
      return (await repo.get(scope, id))!;
    },
    list: (filter) => repo.list(store.scope(filter.tenant), filter),
    async get(id, o = {}) {
      const scope = await scopeOf(id, o.tenant);
      return scope ? repo.get(scope, id) : undefined;
    },
    rejections: (filter) => rejections.list(filter),
    connectorSecrets,
    on(name, fn) {
      if (name !== 'event') throw new ConnectorError({ kind: 'internal', origin: 'caller', message: `unknown webhooks event "${String(name)}"; listen to "event"` });
      return listeners.add(fn);
    },
    setPublisher(p) {
      publisher = p;
    },
    subscribe: (ref, o) => subscribe(subscribeDeps(), ref, o),
    unsubscribe: (ref) => unsubscribe(subscribeDeps(), ref),
    subscriptions: {
      subscribe: (ref, o) => subscribeAll(registrationDeps(), ref, o),
      async list(ref) {
        const info = await platform.connections.get(ref);
        if (!info) throw new ConnectorError({ kind: 'not_found', origin: 'caller', message: `no connection "${typeof ref === 'string' ? ref : ref.id}"` });
        return subs.list(store.scope(info.tenant), info.id);
      },
      async teardown(ref) {
        const owed = await recordTeardown(registrationDeps(), ref);
        if (owed > 0) registrations.kick();
        return owed;
      },
      drain: () => registrations.drain(),
      worker: registrations,
    },
    webhookUrl(connector, connectionId) {
      if (!opts.publicUrl) throw new ConnectorError({ kind: 'config', origin: 'caller', message: 'webhook URLs need the public URL of this runtime (the `publicUrl` option)' });
      return webhookUrl(opts.publicUrl, connector, connectionId);
    },
    async close() {
      await worker.stop();
      await registrations.stop();
    },
  };
}

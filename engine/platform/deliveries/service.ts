/**
 * Outbound deliveries to host services: tenants subscribe a URL to event type patterns, every
 * normalized event that matches becomes a delivery row, and the worker sends it signed per
 * Standard Webhooks until a 2xx or the retry schedule runs out. This is the `EventPublisher`
 * the webhook pipeline publishes to.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ConnectorError, isConnectorError } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/log.js';
import { createOutboundGuard, INSECURE_URL, outboundPolicyFromEnv, type OutboundPolicy } from '../../run/http/outbound-guard.js';
import type { Vault } from '../secrets/vault.js';
import { newId } from '../store/ids.js';
import type { Store } from '../store/store.js';
import type { EventPublisher, NormalizedEvent } from '../webhooks/types.js';
import { DeliveriesRepo } from '../store/deliveries.js';
import { checkPatterns, matchesAny } from './patterns.js';
import { DEFAULT_SCHEDULE_MS } from './schedule.js';
import { SIGNING_SECRET_BYTES } from './signing.js';
import { generateSecret } from '../../core/secret.js';
import { SubscriptionsRepo } from '../store/subscriptions.js';
import { ConnectionsRepo } from '../store/connections.js';
import type { CreatedSubscription, Delivery, DeliveryPage, ListDeliveriesFilter, NewSubscription, Subscription } from './types.js';
import type { Page, PageRequest } from '../store/paging.js';
import { DeliveryWorker, type DeliveryGuard } from './worker.js';

export interface DeliveriesOptions {
  store: Store;
  vault: Vault;
  logger?: Logger;
  /** Which addresses deliveries may reach and which hosts over plain http; default from `PATCHBAY_ALLOW_PRIVATE_NETWORKS` / `PATCHBAY_OUTBOUND_ALLOWLIST` / `PATCHBAY_ALLOW_HTTP_HOSTS`. */
  outbound?: OutboundPolicy;
  /** A guard to use instead of one built from `outbound` (the runtime shares its own). */
  guard?: DeliveryGuard;
  /** Waits after each failed attempt, in ms; after the last, the delivery is dead. Default 5s … 24h (11 retries). */
  schedule?: readonly number[];
  /** ± fraction of each wait, so a burst of failures does not retry as a burst. Default 0.1. */
  jitter?: number;
  /** Per attempt. Default 10s. */
  timeoutMs?: number;
  /** How long a claimed row stays claimed; must exceed the timeout. Default timeout + 30s. */
  leaseMs?: number;
  /** How often an idle worker looks for rows queued by other processes. Default 1s. */
  pollMs?: number;
  /** Attempts in flight per process. Default 8. */
  concurrency?: number;
  userAgent?: string;
}

export interface Deliveries extends EventPublisher {
  createSubscription(tenant: string, input: NewSubscription): Promise<CreatedSubscription>;
  listSubscriptions(tenant: string, page?: PageRequest): Promise<Page<Subscription>>;
  getSubscription(tenant: string, id: string): Promise<Subscription>;
  /** Deletes the subscription and its deliveries; pending ones are not sent. */
  deleteSubscription(tenant: string, id: string): Promise<void>;
  listDeliveries(tenant: string, subscriptionId: string, filter?: ListDeliveriesFilter): Promise<DeliveryPage>;
  getDelivery(tenant: string, id: string): Promise<Delivery>;
  /** Sends a delivery again now, with a fresh retry schedule (delivered and dead ones too). */
  redeliver(tenant: string, id: string): Promise<Delivery>;
  /** Queues `event` for every matching subscription of its tenant (again is harmless: one row per subscription and event). */
  publish(event: NormalizedEvent): Promise<void>;
  /** `publish`, resolving with the number of deliveries it added. */
  enqueue(event: NormalizedEvent): Promise<number>;
  /** Starts the background worker. */
  start(): void;
  /** Stops it, letting attempts in flight finish. */
  stop(): Promise<void>;
  /** One claim-and-send pass, awaited (tests and one-shot tools); works with the worker stopped. */
  runOnce(): Promise<number>;
}

const MAX_URL_LENGTH = 2000;

/** The JSON body every attempt sends, fixed at queue time so each retry is byte-identical. */
export function deliveryBody(e: NormalizedEvent): string {
  return JSON.stringify({
    id: e.id, type: e.type, timestamp: e.occurred_at, connector: e.connector, connection: e.connection,
    ...(e.model ? { model: e.model } : {}), data: e.data ?? null, ...(e.raw !== undefined ? { raw: e.raw } : {}),
  });
}

function invalid(path: string, message: string): ConnectorError {
  return new ConnectorError({ kind: 'validation', origin: 'caller', message, details: [{ path, message }] });
}

async function checkUrl(guard: DeliveryGuard, raw: unknown): Promise<string> {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_URL_LENGTH) throw invalid('/url', `url must be an http(s) URL of at most ${MAX_URL_LENGTH} characters`);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw invalid('/url', 'url is not a valid absolute URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw invalid('/url', `url must use http or https, not ${u.protocol.replace(':', '')}`);
  if (u.hash) throw invalid('/url', 'url must not carry a #fragment');
  try {
    await guard.checkUrl(u.toString());
  } catch (err) {
    if (isConnectorError(err) && err.code === INSECURE_URL) {
      throw new ConnectorError({ kind: 'validation', origin: 'caller', code: INSECURE_URL, message: `url: ${err.message}`, details: [{ path: '/url', message: err.message }] });
    }
    if (isConnectorError(err)) throw invalid('/url', err.message);
    const code = (err as NodeJS.ErrnoException).code;
    throw invalid('/url', `the host ${u.hostname} cannot be resolved${code ? ` (${code})` : ''}`);
  }
  return u.toString();
}

export function createDeliveries(opts: DeliveriesOptions): Deliveries {
  const { store } = opts;
  const logger = opts.logger ?? silentLogger;
  const now = () => store.now();
  const guard = opts.guard ?? createOutboundGuard({ ...outboundPolicyFromEnv(), ...(opts.outbound ?? {}) });
  const subscriptions = new SubscriptionsRepo(opts.vault, now);
  const deliveries = new DeliveriesRepo(store);
  const connections = new ConnectionsRepo(store, opts.vault);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const worker = new DeliveryWorker(
    { store, deliveries, subscriptions, guard, logger },
    {
      schedule: opts.schedule ?? DEFAULT_SCHEDULE_MS,
      jitter: opts.jitter ?? 0.1,
      timeoutMs,
      leaseMs: Math.max(opts.leaseMs ?? timeoutMs + 30_000, timeoutMs + 1_000),
      pollMs: opts.pollMs ?? 1_000,
      concurrency: Math.max(1, opts.concurrency ?? 8),
      owner: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
      userAgent: opts.userAgent ?? 'Patchbay-Webhooks/1',
    },
  );

  const notFound = (what: string, id: string) => new ConnectorError({ kind: 'not_found', origin: 'caller', message: `${what} ${id} not found` });

  const subscription = async (tenant: string, id: string): Promise<Subscription> => {
    const s = await subscriptions.get(store.scope(tenant), id);
    if (!s) throw notFound('subscription', id);
    return s;
  };

  const delivery = async (tenant: string, id: string): Promise<Delivery> => {
    const d = await deliveries.get(store.scope(tenant), id);
    if (!d) throw notFound('delivery', id);
    return d;
  };

  const enqueue = async (event: NormalizedEvent): Promise<number> => {
    if (typeof event?.id !== 'string' || event.id.length === 0 || event.id.length > 64) throw invalid('/id', 'an event id must be 1 to 64 characters (it is sent as webhook-id)');
    if (typeof event.type !== 'string' || event.type.length === 0 || event.type.length > 300) throw invalid('/type', 'an event type must be 1 to 300 characters');
    const scope = store.scope(event.tenant);
    const subs = (await subscriptions.active(scope, event.connection)).filter((s) => matchesAny(s.events, event.type));
    if (subs.length === 0) return 0;
    const payload = deliveryBody(event);
    const added = await deliveries.enqueue(scope, subs.map((s) => ({ subscriptionId: s.id, eventId: event.id, eventType: event.type, payload })));
    if (added > 0) worker.wake();
    return added;
  };

  return {
    async createSubscription(tenant, input) {
      const scope = store.scope(tenant);
      const url = await checkUrl(guard, input?.url);
      const events = checkPatterns(input?.events);
      if (input.description !== undefined && (typeof input.description !== 'string' || input.description.length > 500)) {
        throw invalid('/description', 'description must be a string of at most 500 characters');
      }
      if (input.connection !== undefined) {
        const found = typeof input.connection === 'string' && (await connections.exists(scope, input.connection));
        if (!found) throw invalid('/connection', `connection ${String(input.connection)} not found`);
      }
      const secret = generateSecret('whsec', SIGNING_SECRET_BYTES);
      const created = await subscriptions.insert(scope, { id: newId('sub'), url, events, description: input.description, connection: input.connection, secret });
      return { ...created, secret };
    },
    listSubscriptions: (tenant, page) => subscriptions.list(store.scope(tenant), page),
    getSubscription: subscription,
    async deleteSubscription(tenant, id) {
      if (!(await subscriptions.delete(store.scope(tenant), id))) throw notFound('subscription', id);
    },
    async listDeliveries(tenant, subscriptionId, filter = {}) {
      await subscription(tenant, subscriptionId);
      return deliveries.list(store.scope(tenant), subscriptionId, filter);
    },
    getDelivery: delivery,
    async redeliver(tenant, id) {
      const outcome = await deliveries.redeliver(store.scope(tenant), id);
      if (outcome === 'missing') throw notFound('delivery', id);
      if (outcome === 'busy') throw new ConnectorError({ kind: 'conflict', origin: 'caller', message: `delivery ${id} has an attempt in flight; try again when it finishes` });
      worker.wake();
      return delivery(tenant, id);
    },
    publish: async (event) => {
      await enqueue(event);
    },
    enqueue,
    start: () => worker.start(),
    stop: () => worker.stop(),
    runOnce: () => worker.runOnce(),
  };
}

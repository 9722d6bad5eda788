/**
 * The deliveries table and its attempts. Rows are claimed with a lease by a conditional
 * UPDATE (one winner on SQLite and PostgreSQL alike), and an attempt's outcome is written
 * only by the claim that made it, so a stalled worker whose lease expired cannot overwrite
 * the result of the worker that took over.
 */
import { newId } from './ids.js';
import { fromJson, iso } from './json.js';
import type { Store } from './store.js';
import type { TenantScope, Unscoped } from './scope.js';
import { keysetPage, LIMITS, type Page, type PageKey, type PageRequest } from './paging.js';

/** `pending` waits for its next attempt, `delivered` got a 2xx, `dead` ran out of retries. */
export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface DeliveryAttempt {
  attempt: number;
  startedAt: string;
  durationMs: number;
  /** HTTP status, absent when no response came (refused, timed out, blocked address). */
  statusCode?: number;
  /** The first bytes of the response body. */
  response?: string;
  error?: string;
}

export interface Delivery {
  id: string;
  tenant: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt?: string;
  lastStatus?: number;
  lastError?: string;
  createdAt: string;
  deliveredAt?: string;
  /** Newest last; only from `get` and listings that ask for them. */
  attemptLog?: DeliveryAttempt[];
  /** The JSON body sent; only from `get`. */
  payload?: unknown;
}

export type DeliveryPage = Page<Delivery>;

export interface ListDeliveriesFilter extends PageRequest {
  status?: DeliveryStatus;
}

type Row = Record<string, any>;

const LIST_COLUMNS = [
  'id', 'tenant', 'subscription_id', 'event_id', 'event_type', 'status', 'attempts', 'next_attempt_at',
  'last_status', 'last_error', 'created_at', 'delivered_at',
];

function toDelivery(r: Row): Delivery {
  return {
    id: r.id,
    tenant: r.tenant,
    subscriptionId: r.subscription_id,
    eventId: r.event_id,
    eventType: r.event_type,
    status: r.status,
    attempts: Number(r.attempts),
    ...(r.next_attempt_at != null ? { nextAttemptAt: iso(r.next_attempt_at) } : {}),
    ...(r.last_status != null ? { lastStatus: Number(r.last_status) } : {}),
    ...(r.last_error ? { lastError: r.last_error } : {}),
    createdAt: iso(r.created_at)!,
    ...(r.delivered_at != null ? { deliveredAt: iso(r.delivered_at) } : {}),
  };
}

function toAttempt(r: Row): DeliveryAttempt {
  return {
    attempt: Number(r.attempt),
    startedAt: iso(r.started_at)!,
    durationMs: Number(r.duration_ms),
    ...(r.status_code != null ? { statusCode: Number(r.status_code) } : {}),
    ...(r.response ? { response: r.response } : {}),
    ...(r.error ? { error: r.error } : {}),
  };
}

/** Newest first; the id breaks ties between deliveries queued in the same millisecond. */
const DELIVERY_KEY: PageKey[] = [{ column: 'created_at', order: 'desc', type: 'number' }, { column: 'id', order: 'desc', type: 'string' }];

export interface NewDelivery {
  subscriptionId: string;
  eventId: string;
  eventType: string;
  payload: string;
}

/** A row a worker holds: everything needed to send it, with the claim that fences its update. */
export interface ClaimedDelivery {
  id: string;
  tenant: string;
  subscriptionId: string;
  eventId: string;
  payload: string;
  url: string;
  sealedSecret: string;
  attempt: number;
  cycleAttempts: number;
  claim: string;
}

export interface AttemptOutcome {
  startedAt: number;
  durationMs: number;
  statusCode?: number;
  response?: string;
  error?: string;
  /** Delivered (2xx). */
  ok: boolean;
  /** When to try again; undefined on a failure means the schedule is used up (dead letter). */
  nextAttemptAt?: number;
}

export class DeliveriesRepo {
  constructor(private readonly store: Store) {}

  private now(): number {
    return this.store.now();
  }

  /** The worker's view: due rows of every tenant. */
  private worker(): Unscoped {
    return this.store.unscoped('the delivery worker claims due deliveries of every tenant');
  }

  /** Inserts one row per subscription; an event already queued for a subscription is left alone. Returns the rows added. */
  async enqueue(scope: TenantScope, rows: NewDelivery[]): Promise<number> {
    if (rows.length === 0) return 0;
    const now = this.now();
    const inserted: Array<{ id: string }> = await scope
      .insert('deliveries', rows.map((r) => ({
        id: newId('dlv'),
        subscription_id: r.subscriptionId,
        event_id: r.eventId,
        event_type: r.eventType,
        payload: r.payload,
        status: 'pending',
        attempts: 0,
        cycle_attempts: 0,
        next_attempt_at: now,
        created_at: now,
        updated_at: now,
      })))
      .onConflict(['subscription_id', 'event_id'])
      .ignore()
      .returning('id');
    return inserted.length;
  }

  /** Due rows not held by a live lease, oldest due first; each returned row is now leased to this caller. */
  async claim(owner: string, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const db = this.worker();
    const now = this.now();
    const candidates = await db
      .from('deliveries')
      .select('id')
      .where('status', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((qb) => qb.whereNull('lease_until').orWhere('lease_until', '<', now))
      .orderBy('next_attempt_at')
      .limit(limit);
    const claimed: ClaimedDelivery[] = [];
    for (const { id } of candidates) {
      const claim = `${owner}:${newId('c')}`;
      const n = await db
        .from('deliveries')
        .where('id', id)
        .where('status', 'pending')
        .where((qb) => qb.whereNull('lease_until').orWhere('lease_until', '<', now))
        // Due again when the lease runs out: if this worker dies, that is when another retries it,
        // and until then no worker (nor `nextDue`) sees it as due.
        .update({ lease_owner: claim, lease_until: now + leaseMs, next_attempt_at: now + leaseMs });
      if (n !== 1) continue;
      const r = await db
        .from('deliveries as d')
        .join('subscriptions as s', 's.id', 'd.subscription_id')
        .select('d.id', 'd.tenant', 'd.subscription_id', 'd.event_id', 'd.payload', 'd.attempts', 'd.cycle_attempts', 's.url', 's.secret')
        .where('d.id', id)
        .first();
      if (!r) continue;
      claimed.push({
        id: r.id,
        tenant: r.tenant,
        subscriptionId: r.subscription_id,
        eventId: r.event_id,
        payload: r.payload,
        url: r.url,
        sealedSecret: r.secret,
        attempt: Number(r.attempts) + 1,
        cycleAttempts: Number(r.cycle_attempts),
        claim,
      });
    }
    return claimed;
  }

  /** Records an attempt and its outcome; false when the claim was lost (the row was taken over or deleted). */
  async finish(d: ClaimedDelivery, o: AttemptOutcome): Promise<boolean> {
    const db = this.worker();
    const now = this.now();
    const status: DeliveryStatus = o.ok ? 'delivered' : o.nextAttemptAt === undefined ? 'dead' : 'pending';
    return db.transaction(async (tx) => {
      const n = await tx
        .from('deliveries')
        .where({ id: d.id, lease_owner: d.claim })
        .update({
          status,
          attempts: d.attempt,
          cycle_attempts: d.cycleAttempts + 1,
          next_attempt_at: status === 'pending' ? o.nextAttemptAt : null,
          last_status: o.statusCode ?? null,
          last_error: o.ok ? null : (o.error ?? null),
          delivered_at: o.ok ? now : null,
          lease_owner: null,
          lease_until: null,
          updated_at: now,
        });
      if (n !== 1) return false;
      await tx.from('delivery_attempts').insert({
        id: newId('att'),
        tenant: d.tenant,
        delivery_id: d.id,
        attempt: d.attempt,
        status_code: o.statusCode ?? null,
        response: o.response ?? null,
        error: o.error ?? null,
        duration_ms: o.durationMs,
        started_at: o.startedAt,
      });
      return true;
    });
  }

  async list(scope: TenantScope, subscriptionId: string, f: ListDeliveriesFilter): Promise<DeliveryPage> {
    const q = scope.from('deliveries').select(LIST_COLUMNS).where('subscription_id', subscriptionId);
    if (f.status) q.where('status', f.status);
    const page = await keysetPage(q, DELIVERY_KEY, f, toDelivery, LIMITS.deliveries);
    const attempts = await this.attemptsOf(scope, page.items.map((d) => d.id));
    for (const d of page.items) d.attemptLog = attempts.get(d.id) ?? [];
    return page;
  }

  async get(scope: TenantScope, id: string): Promise<Delivery | undefined> {
    const r = await scope.from('deliveries').select([...LIST_COLUMNS, 'payload']).where('id', id).first();
    if (!r) return undefined;
    const d = toDelivery(r);
    d.attemptLog = (await this.attemptsOf(scope, [id])).get(id) ?? [];
    d.payload = fromJson(r.payload, null);
    return d;
  }

  private async attemptsOf(scope: TenantScope, ids: string[]): Promise<Map<string, DeliveryAttempt[]>> {
    const out = new Map<string, DeliveryAttempt[]>();
    if (ids.length === 0) return out;
    const rows = await scope.from('delivery_attempts').select('*').whereIn('delivery_id', ids).orderBy([{ column: 'delivery_id' }, { column: 'attempt' }]);
    for (const r of rows) {
      const list = out.get(r.delivery_id) ?? [];
      list.push(toAttempt(r));
      out.set(r.delivery_id, list);
    }
    return out;
  }

  /**
   * Queues a delivery again now, with a fresh retry schedule. Refused while an attempt is in
   * flight: that attempt's outcome would otherwise overwrite the request.
   */
  async redeliver(scope: TenantScope, id: string): Promise<'ok' | 'missing' | 'busy'> {
    const now = this.now();
    const n = await scope
      .from('deliveries')
      .where('id', id)
      .where((qb) => qb.whereNull('lease_until').orWhere('lease_until', '<', now))
      .update({ status: 'pending', cycle_attempts: 0, next_attempt_at: now, delivered_at: null, lease_owner: null, lease_until: null, updated_at: now });
    if (n === 1) return 'ok';
    return (await scope.from('deliveries').select('id').where('id', id).first()) ? 'busy' : 'missing';
  }

  /** The earliest time a pending row falls due (rows in flight: when their lease ends), so an idle worker can sleep until then. */
  async nextDue(): Promise<number | undefined> {
    const r = await this.worker().from('deliveries').min({ at: 'next_attempt_at' }).where('status', 'pending').first();
    return r?.at == null ? undefined : Number(r.at);
  }
}

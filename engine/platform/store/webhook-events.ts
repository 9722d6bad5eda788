/**
 * The webhook_events table: durable intake (many deliveries in one transaction), the claim
 * a worker takes before processing (a conditional UPDATE, with SKIP LOCKED on PostgreSQL so
 * concurrent workers take different rows), and the retry bookkeeping that follows.
 */
import type { Knex } from 'knex';
import type { Store } from './store.js';
import type { Db, TenantScope } from './scope.js';
import { fromJson, fromSentJson, iso, toJson } from './json.js';
import { newId } from './ids.js';
import { keysetPage, LIMITS, type Page, type PageKey, type PageRequest } from './paging.js';
import { ConnectorError } from '../../core/errors.js';
import type { RejectReason } from '../../core/webhook.js';

type Row = Record<string, any>;

export type WebhookEventStatus = 'pending' | 'processing' | 'processed' | 'failed' | 'rejected';

/** A stored inbound event (one per provider event; a rejected delivery is one row too). */
export interface WebhookEvent {
  id: string;
  tenant: string;
  connector: string;
  connectionId?: string;
  /** The provider's event id (dedupe key); a rejected delivery: the id its sender claimed, else its own row id. */
  providerEventId: string;
  type?: string;
  status: WebhookEventStatus;
  reason?: RejectReason;
  error?: string;
  attempts: number;
  receivedAt: string;
  processedAt?: string;
  nextAttemptAt?: string;
  /** The event (for a rejected delivery: `{ body_bytes, header_names }`, never the body). Only from `get`. */
  payload?: unknown;
  /** The whole delivery body when the event was split out of it. Only from `get`. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ListEventsFilter extends PageRequest {
  tenant: string;
  connection?: string;
  /** Exact type, or a pattern where `*` matches any run of characters. */
  type?: string;
  status?: WebhookEventStatus;
  /** ISO time or epoch ms; inclusive. */
  since?: string | number;
  /** ISO time or epoch ms; exclusive. */
  until?: string | number;
}

export type EventPage = Page<WebhookEvent>;

const SUMMARY_COLUMNS = [
  'id', 'tenant', 'connector', 'connection_id', 'provider_event_id', 'sender_event_id', 'type', 'status', 'reason', 'error',
  'attempts', 'received_at', 'processed_at', 'next_attempt_at',
];

function toEvent(r: Row, withPayload: boolean): WebhookEvent {
  const e: WebhookEvent = {
    id: r.id,
    tenant: r.tenant,
    connector: r.connector,
    // A refused delivery shows the id its sender claimed (when it named one), not the row's own.
    providerEventId: r.sender_event_id ?? r.provider_event_id,
    status: r.status as WebhookEventStatus,
    attempts: Number(r.attempts),
    receivedAt: iso(r.received_at)!,
  };
  if (r.connection_id != null) e.connectionId = r.connection_id;
  if (r.type != null) e.type = r.type;
  if (r.reason != null) e.reason = r.reason as RejectReason;
  if (r.error != null) e.error = r.error;
  if (r.processed_at != null) e.processedAt = iso(r.processed_at);
  if (r.next_attempt_at != null && r.status === 'pending') e.nextAttemptAt = iso(r.next_attempt_at);
  if (withPayload) {
    e.payload = fromSentJson(r.payload, null);
    if (r.headers != null) e.headers = fromJson(r.headers, {});
  }
  return e;
}

/** `since`/`until` as ISO text or epoch ms. */
function timeOf(v: string | number | undefined, what: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) throw new ConnectorError({ kind: 'validation', origin: 'caller', message: `${what} must be an ISO time or epoch milliseconds` });
  return n;
}

/** One provider event ready to store. */
export interface NewEvent {
  id: string;
  tenant: string;
  connector: string;
  connectionId: string;
  providerEventId: string;
  type?: string;
  payloadText: string;
  payloadId?: string;
  headersText: string;
}

/** One delivery: its events and, when they were split out of it, the body they share. */
export interface NewDelivery {
  events: NewEvent[];
  body?: { id: string; tenant: string; text: string };
}

export interface DeliveryResult {
  stored: string[];
  duplicates: number;
}

/** A claimed event with what processing needs. `token` fences every later update. */
export interface ClaimedEvent {
  id: string;
  tenant: string;
  connector: string;
  connectionId?: string;
  type?: string;
  attempts: number;
  token: string;
  payload: unknown;
  body: unknown;
  headers: Record<string, string>;
  receivedAt: number;
}

const INSERT_CHUNK = 200;

/** Newest first; the id breaks ties between events received in the same millisecond. */
const EVENT_KEY: PageKey[] = [{ column: 'received_at', order: 'desc', type: 'number' }, { column: 'id', order: 'desc', type: 'string' }];
const DEDUPE_CHUNK = 500;

export class WebhookEventsRepo {
  private claims = 0;

  constructor(private readonly store: Store) {}

  private db(reason: string) {
    return this.store.unscoped(reason);
  }

  /** Stores deliveries in one transaction of their own; see `insertDeliveries`. */
  commit(deliveries: NewDelivery[]): Promise<DeliveryResult[]> {
    return this.db('group commit of inbound webhook events across tenants').transaction((t) => this.insertDeliveries(t.db, deliveries));
  }

  /**
   * Stores deliveries in the caller's transaction. An event whose (connector, connection,
   * provider id) is already stored, or repeated earlier in the same batch, is a duplicate.
   */
  async insertDeliveries(trx: Db, deliveries: NewDelivery[]): Promise<DeliveryResult[]> {
    const now = this.store.now();
    const keyOf = (e: NewEvent) => `${e.connector}\u0000${e.connectionId}\u0000${e.providerEventId}`;
    const groups = new Map<string, { connector: string; connectionId: string; ids: string[] }>();
    for (const d of deliveries) {
      for (const e of d.events) {
        const g = `${e.connector}\u0000${e.connectionId}`;
        if (!groups.has(g)) groups.set(g, { connector: e.connector, connectionId: e.connectionId, ids: [] });
        groups.get(g)!.ids.push(e.providerEventId);
      }
    }
    const seen = new Set<string>();
    for (const g of groups.values()) {
      for (let i = 0; i < g.ids.length; i += DEDUPE_CHUNK) {
        const rows = await trx('webhook_events').select('provider_event_id')
          .where({ connector: g.connector, connection_id: g.connectionId })
          .whereIn('provider_event_id', g.ids.slice(i, i + DEDUPE_CHUNK));
        for (const r of rows) seen.add(`${g.connector}\u0000${g.connectionId}\u0000${r.provider_event_id}`);
      }
    }
    const eventRows: Row[] = [];
    const bodyRows: Row[] = [];
    const results = deliveries.map((d) => {
      const res: DeliveryResult = { stored: [], duplicates: 0 };
      for (const e of d.events) {
        const k = keyOf(e);
        if (seen.has(k)) {
          res.duplicates++;
          continue;
        }
        seen.add(k);
        res.stored.push(e.id);
        eventRows.push({
          id: e.id, tenant: e.tenant, connector: e.connector, connection_id: e.connectionId,
          provider_event_id: e.providerEventId, type: e.type ?? null, payload: e.payloadText,
          payload_id: e.payloadId ?? null, headers: e.headersText, status: 'pending', attempts: 0,
          received_at: now, next_attempt_at: now,
        });
      }
      if (d.body && res.stored.length > 0) bodyRows.push({ id: d.body.id, tenant: d.body.tenant, body: d.body.text, created_at: now });
      return res;
    });
    for (let i = 0; i < bodyRows.length; i += INSERT_CHUNK) await trx('webhook_payloads').insert(bodyRows.slice(i, i + INSERT_CHUNK));
    for (let i = 0; i < eventRows.length; i += INSERT_CHUNK) {
      // A concurrent process may have stored the same event since the check: it stays a duplicate.
      await trx('webhook_events').insert(eventRows.slice(i, i + INSERT_CHUNK)).onConflict(['connector', 'connection_id', 'provider_event_id']).ignore();
    }
    return results;
  }

  /**
   * A refused delivery in its connection's log, never processed: what it looked like, never
   * its body. Its dedupe key is its own row id, so a forged delivery can never make the real
   * one a duplicate; the id the sender claimed is kept apart (`sender_event_id`).
   */
  async insertRejected(scope: TenantScope, r: { connector: string; connectionId: string; reason: RejectReason; error: string; senderEventId?: string; bodyBytes: number; headerNames: string[] }): Promise<string> {
    const id = newId('whe');
    await scope.insert('webhook_events', {
      id, connector: r.connector, connection_id: r.connectionId, provider_event_id: id, sender_event_id: r.senderEventId ?? null, type: null,
      payload: toJson({ body_bytes: r.bodyBytes, header_names: r.headerNames }), headers: null, status: 'rejected', reason: r.reason, error: r.error,
      attempts: 0, received_at: this.store.now(),
    });
    return id;
  }

  private dueCondition(now: number) {
    return (qb: Knex.QueryBuilder) => qb
      .where((q) => q.where('status', 'pending').where('next_attempt_at', '<=', now))
      .orWhere((q) => q.where('status', 'processing').where('lease_expires_at', '<', now));
  }

  private nextToken(owner: string): string {
    return `${owner}#${++this.claims}`;
  }

  /** Claims up to `limit` due events (pending and due, or processing under an expired lease). */
  async claimDue(owner: string, limit: number, leaseMs: number): Promise<ClaimedEvent[]> {
    const u = this.db('workers claim due webhook events of every tenant');
    const now = this.store.now();
    const token = this.nextToken(owner);
    const pick = u.from('webhook_events').select('id').where(this.dueCondition(now)).orderBy('next_attempt_at').limit(limit);
    if (this.store.dialect === 'postgres') pick.forUpdate().skipLocked();
    const n = await u.from('webhook_events').whereIn('id', pick).where(this.dueCondition(now))
      .update({ status: 'processing', lease_owner: token, lease_expires_at: now + leaseMs, attempts: this.store.knex.raw('attempts + 1') });
    if (!n) return [];
    return this.loadClaimed(u.from('webhook_events').where({ lease_owner: token, status: 'processing' }), token);
  }

  /** Claims one event by id if nobody holds a live lease on it (replay). */
  async claimOne(id: string, owner: string, leaseMs: number): Promise<ClaimedEvent | undefined> {
    const u = this.db('claim one webhook event by id');
    const now = this.store.now();
    const token = this.nextToken(owner);
    const n = await u.from('webhook_events').where('id', id).where(this.dueCondition(now))
      .update({ status: 'processing', lease_owner: token, lease_expires_at: now + leaseMs, attempts: this.store.knex.raw('attempts + 1') });
    if (!n) return undefined;
    return (await this.loadClaimed(u.from('webhook_events').where({ id, lease_owner: token }), token))[0];
  }

  private async loadClaimed(q: Knex.QueryBuilder, token: string): Promise<ClaimedEvent[]> {
    const rows = (await q.select('id', 'tenant', 'connector', 'connection_id', 'type', 'attempts', 'payload', 'payload_id', 'headers', 'received_at')) as Row[];
    const bodyIds = [...new Set(rows.map((r) => r.payload_id).filter((v): v is string => typeof v === 'string'))];
    const bodies = new Map<string, unknown>();
    if (bodyIds.length) {
      const b = await this.db('load the bodies of claimed webhook events').from('webhook_payloads').select('id', 'body').whereIn('id', bodyIds);
      for (const r of b) bodies.set(r.id, fromSentJson(r.body, null));
    }
    return rows.map((r) => {
      const payload = fromSentJson(r.payload, null);
      return {
        id: r.id, tenant: r.tenant, connector: r.connector, connectionId: r.connection_id ?? undefined, type: r.type ?? undefined,
        attempts: Number(r.attempts), token, payload, body: r.payload_id ? bodies.get(r.payload_id) ?? null : payload,
        headers: fromJson(r.headers, {}), receivedAt: Number(r.received_at),
      };
    });
  }

  private fenced(id: string, token: string) {
    return this.db('update a claimed webhook event under its lease').from('webhook_events').where({ id, lease_owner: token, status: 'processing' });
  }

  async renew(id: string, token: string, leaseMs: number): Promise<boolean> {
    return (await this.fenced(id, token).update({ lease_expires_at: this.store.now() + leaseMs })) === 1;
  }

  async complete(id: string, token: string): Promise<boolean> {
    const n = await this.fenced(id, token).update({ status: 'processed', processed_at: this.store.now(), error: null, lease_owner: null, lease_expires_at: null, next_attempt_at: null });
    return n === 1;
  }

  async retryAt(id: string, token: string, error: string, at: number): Promise<boolean> {
    return (await this.fenced(id, token).update({ status: 'pending', error, next_attempt_at: at, lease_owner: null, lease_expires_at: null })) === 1;
  }

  async fail(id: string, token: string, error: string): Promise<boolean> {
    const n = await this.fenced(id, token).update({ status: 'failed', error, processed_at: this.store.now(), next_attempt_at: null, lease_owner: null, lease_expires_at: null });
    return n === 1;
  }

  /** Makes a finished event due again with a fresh retry budget; false if it is rejected or held. */
  async resetForReplay(scope: TenantScope, id: string): Promise<boolean> {
    const now = this.store.now();
    const n = await scope.from('webhook_events').where('id', id).whereNot('status', 'rejected')
      .where((q) => q.whereNot('status', 'processing').orWhere('lease_expires_at', '<', now))
      .update({ status: 'pending', attempts: 0, error: null, next_attempt_at: now, processed_at: null, lease_owner: null, lease_expires_at: null });
    return n === 1;
  }

  async tenantOf(id: string): Promise<string | undefined> {
    const r = await this.db('resolve a webhook event id to its tenant').from('webhook_events').select('tenant').where('id', id).first();
    return r?.tenant;
  }

  async get(scope: TenantScope, id: string): Promise<WebhookEvent | undefined> {
    const r = await scope.from('webhook_events').where('id', id).first();
    if (!r) return undefined;
    const e = toEvent(r, true);
    if (r.payload_id) {
      const b = await scope.from('webhook_payloads').select('body').where('id', r.payload_id).first();
      e.body = fromSentJson(b?.body, null);
    }
    return e;
  }

  /** Newest first. */
  async list(scope: TenantScope, f: ListEventsFilter): Promise<EventPage> {
    const q = scope.from('webhook_events').select(SUMMARY_COLUMNS);
    if (f.connection) q.where('connection_id', f.connection);
    if (f.status) q.where('status', f.status);
    if (f.type) {
      if (f.type.includes('*')) q.whereRaw("type like ? escape '!'", [f.type.replace(/[!%_]/g, (c) => `!${c}`).replace(/\*/g, '%')]);
      else q.where('type', f.type);
    }
    const since = timeOf(f.since, 'since');
    const until = timeOf(f.until, 'until');
    if (since !== undefined) q.where('received_at', '>=', since);
    if (until !== undefined) q.where('received_at', '<', until);
    return keysetPage(q, EVENT_KEY, f, (r) => toEvent(r, false), LIMITS.events);
  }
}

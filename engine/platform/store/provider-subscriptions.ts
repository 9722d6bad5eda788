/**
 * The provider_subscriptions table: what each connection holds at its provider
 * (`webhooks.subscriptions`) and the work still owed to the provider (renewal, unsubscribe,
 * token revocation). Due rows are claimed with a lease by a conditional UPDATE, which has
 * one winner on SQLite and PostgreSQL alike, and a claimed row's outcome is written only
 * under the claim that took it: a worker whose lease ran out cannot overwrite its successor.
 */
import { newId } from './ids.js';
import { fromJson, iso } from './json.js';
import { sealContext } from './sealed.js';
import type { Store } from './store.js';
import type { TenantScope, Unscoped } from './scope.js';
import type { Vault } from '../secrets/vault.js';

/**
 * `active`: held at the provider (renewed when it expires); `unsubscribing` / `revoking`:
 * owed to the provider after a disconnect; `removed`: done; `failed`: given up, see `lastError`.
 */
export type ProviderSubscriptionStatus = 'active' | 'unsubscribing' | 'revoking' | 'removed' | 'failed';
export type ProviderSubscriptionKind = 'subscription' | 'revocation';

export interface ProviderSubscription {
  id: string;
  tenant: string;
  connectionId: string;
  connector: string;
  kind: ProviderSubscriptionKind;
  /** The manifest entry's name; for a revocation, the auth method's. */
  name: string;
  key: string;
  item?: unknown;
  providerId?: string;
  status: ProviderSubscriptionStatus;
  expiresAt?: string;
  attempts: number;
  nextAttemptAt?: string;
  lastError?: string;
  createdAt: string;
  updatedAt: string;
}

export interface ClaimedProviderSubscription extends ProviderSubscription {
  /** Fences the outcome: only this claim may settle the row. */
  claim: string;
  /** Raw epoch ms of `expiresAt`. */
  expiresAtMs?: number;
  /** The credentials kept for work owed after a disconnect, opened. */
  credentials?: Record<string, unknown>;
}

export interface ActiveSubscription {
  connectionId: string;
  connector: string;
  name: string;
  key: string;
  item: unknown;
  providerId?: string;
  expiresAt?: number;
  /** When the renewal job should renew it; undefined: never. */
  renewAt?: number;
}

export interface Settlement {
  status?: ProviderSubscriptionStatus;
  providerId?: string;
  expiresAt?: number | null;
  nextAttemptAt: number | null;
  attempts: number;
  lastError: string | null;
  /** Drop the kept credentials (the work they were kept for is over). */
  forgetCredentials?: boolean;
}

type Row = Record<string, any>;

const LIVE: ProviderSubscriptionStatus[] = ['active', 'unsubscribing', 'revoking'];

function toSubscription(r: Row): ProviderSubscription {
  return {
    id: r.id,
    tenant: r.tenant,
    connectionId: r.connection_id,
    connector: r.connector,
    kind: r.kind,
    name: r.name,
    key: r.key,
    ...(r.item != null ? { item: fromJson(r.item, undefined) } : {}),
    ...(r.provider_id != null ? { providerId: r.provider_id } : {}),
    status: r.status,
    ...(r.expires_at != null ? { expiresAt: iso(r.expires_at) } : {}),
    attempts: Number(r.attempts),
    ...(r.next_attempt_at != null ? { nextAttemptAt: iso(r.next_attempt_at) } : {}),
    ...(r.last_error ? { lastError: r.last_error } : {}),
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

export class ProviderSubscriptionsRepo {
  constructor(private readonly store: Store, private readonly vault: Vault) {}

  private worker(): Unscoped {
    return this.store.unscoped('the provider subscription job claims due renewals and teardowns of every tenant');
  }

  /** Records a subscription the provider just confirmed; one row per (entry, key), replaced when subscribed again. */
  async putActive(scope: TenantScope, s: ActiveSubscription): Promise<void> {
    const now = this.store.now();
    const values = {
      connector: s.connector,
      item: s.item === undefined ? null : JSON.stringify(s.item),
      provider_id: s.providerId ?? null,
      status: 'active',
      expires_at: s.expiresAt ?? null,
      attempts: 0,
      next_attempt_at: s.renewAt ?? null,
      last_error: null,
      credentials: null,
      updated_at: now,
    };
    await scope
      .insert('provider_subscriptions', { id: newId('psub'), connection_id: s.connectionId, kind: 'subscription', name: s.name, key: s.key, lease_until: 0, created_at: now, ...values })
      .onConflict(['connection_id', 'kind', 'name', 'key'])
      .merge(Object.keys(values));
  }

  async list(scope: TenantScope, connectionId: string): Promise<ProviderSubscription[]> {
    const rows = await scope.from('provider_subscriptions').where('connection_id', connectionId).orderBy('kind', 'desc').orderBy('name').orderBy('key');
    return rows.map(toSubscription);
  }

  async get(scope: TenantScope, id: string): Promise<ProviderSubscription | undefined> {
    const r = await scope.from('provider_subscriptions').where('id', id).first();
    return r ? toSubscription(r) : undefined;
  }

  /**
   * A disconnect: each live subscription in `unsubscribe` is owed an unsubscribe request,
   * the others are dropped as they are, and a revocation is owed when `revoke` names the
   * auth method. The credentials are sealed onto every owed row, because the connection's
   * own are wiped next. In one transaction; resolves with how many rows are owed.
   */
  async teardown(scope: TenantScope, t: { connectionId: string; connector: string; unsubscribe: (s: ProviderSubscription) => boolean; revoke?: string; credentials: Record<string, unknown> }): Promise<number> {
    const now = this.store.now();
    return scope.transaction(async (tx) => {
      const rows = (await tx.from('provider_subscriptions').where({ connection_id: t.connectionId, kind: 'subscription', status: 'active' })).map(toSubscription);
      let owed = 0;
      for (const s of rows) {
        const owe = t.unsubscribe(s);
        owed += owe ? 1 : 0;
        await tx.from('provider_subscriptions').where('id', s.id).update(owe
          ? { status: 'unsubscribing', attempts: 0, next_attempt_at: now, last_error: null, credentials: this.seal(s.id, t.credentials), updated_at: now }
          : { status: 'removed', next_attempt_at: null, updated_at: now });
      }
      if (t.revoke !== undefined) {
        const id = newId('psub');
        const values = { status: 'revoking', attempts: 0, next_attempt_at: now, last_error: null, updated_at: now };
        const inserted: Array<{ id: string }> = await tx
          .insert('provider_subscriptions', { id, connection_id: t.connectionId, connector: t.connector, kind: 'revocation', name: t.revoke, key: '', lease_until: 0, created_at: now, credentials: this.seal(id, t.credentials), ...values })
          .onConflict(['connection_id', 'kind', 'name', 'key'])
          .merge(Object.keys(values))
          .returning('id');
        // A second disconnect's row keeps its first id; the credentials are sealed to the id they are stored under.
        const stored = inserted[0]?.id ?? id;
        if (stored !== id) await tx.from('provider_subscriptions').where('id', stored).update({ credentials: this.seal(stored, t.credentials) });
        owed += 1;
      }
      return owed;
    });
  }

  /** Due rows of every tenant not held by a live lease, soonest first; each returned row is now leased to this caller. */
  async claim(owner: string, limit: number, leaseMs: number): Promise<ClaimedProviderSubscription[]> {
    const db = this.worker();
    const now = this.store.now();
    const free = (qb: any) => qb.where('lease_until', '<', now);
    const candidates = (await free(db.from('provider_subscriptions').select('id', 'next_attempt_at')
      .whereIn('status', LIVE).whereNotNull('next_attempt_at').where('next_attempt_at', '<=', now))
      .orderBy('next_attempt_at').limit(limit)) as Row[];
    const claimed: ClaimedProviderSubscription[] = [];
    for (const c of candidates) {
      const claim = `${owner}:${newId('c')}`;
      // One winner: the row must still be due, unleased and unchanged since it was read.
      const n = await free(db.from('provider_subscriptions').where({ id: c.id, next_attempt_at: c.next_attempt_at }).whereIn('status', LIVE))
        .update({ lease_owner: claim, lease_until: now + leaseMs });
      if (n !== 1) continue;
      const r = (await db.from('provider_subscriptions').where('id', c.id).first()) as Row | undefined;
      if (!r) continue;
      claimed.push({
        ...toSubscription(r),
        claim,
        ...(r.expires_at != null ? { expiresAtMs: Number(r.expires_at) } : {}),
        ...(r.credentials ? { credentials: this.vault.openJson<Record<string, unknown>>(r.credentials, sealContext('provider_subscriptions', 'credentials', r.id)) } : {}),
      });
    }
    return claimed;
  }

  async renewLease(id: string, claim: string, until: number): Promise<void> {
    await this.worker().from('provider_subscriptions').where({ id, lease_owner: claim }).update({ lease_until: until });
  }

  /** Writes a claimed row's outcome and releases it; false when the claim was lost (nothing written). */
  async settle(id: string, claim: string, s: Settlement): Promise<boolean> {
    const set: Row = {
      next_attempt_at: s.nextAttemptAt,
      attempts: s.attempts,
      last_error: s.lastError,
      lease_owner: null,
      lease_until: 0,
      updated_at: this.store.now(),
    };
    if (s.status !== undefined) set.status = s.status;
    if (s.providerId !== undefined) set.provider_id = s.providerId;
    if (s.expiresAt !== undefined) set.expires_at = s.expiresAt;
    if (s.forgetCredentials) set.credentials = null;
    return (await this.worker().from('provider_subscriptions').where({ id, lease_owner: claim }).update(set)) === 1;
  }

  /** Milliseconds until the soonest row falls due, if any. */
  async nextDueInMs(): Promise<number | undefined> {
    const r = (await this.worker().from('provider_subscriptions').whereIn('status', LIVE).whereNotNull('next_attempt_at')
      .min({ at: 'next_attempt_at' }).first()) as Row | undefined;
    return r?.at == null ? undefined : Number(r.at) - this.store.now();
  }

  private seal(id: string, credentials: Record<string, unknown>): string {
    return this.vault.sealJson(credentials, sealContext('provider_subscriptions', 'credentials', id));
  }
}

/**
 * The subscriptions table. The signing secret is sealed on the way in and opened only by
 * the worker that signs with it; every shape handed out leaves it out.
 */
import type { Vault } from '../secrets/vault.js';
import type { TenantScope } from './scope.js';
import { fromJson, iso, toJson } from './json.js';
import { sealContext } from './sealed.js';
import { keysetPage, LIMITS, type Page, type PageKey, type PageRequest } from './paging.js';

export type SubscriptionStatus = 'active';

export interface Subscription {
  id: string;
  tenant: string;
  url: string;
  /** Event type patterns; `*` matches any run of characters (`ticket.*`, `*`). */
  events: string[];
  description?: string;
  /** Only events of this connection, when set. */
  connection?: string;
  status: SubscriptionStatus;
  createdAt: string;
  updatedAt: string;
}

type Row = Record<string, any>;

/** Oldest first; the id breaks ties between subscriptions made in the same millisecond. */
const SUBSCRIPTION_KEY: PageKey[] = [{ column: 'created_at', order: 'asc', type: 'number' }, { column: 'id', order: 'asc', type: 'string' }];

const PUBLIC_COLUMNS = ['id', 'tenant', 'connection_id', 'url', 'events', 'description', 'status', 'created_at', 'updated_at'];

function toSubscription(r: Row): Subscription {
  return {
    id: r.id,
    tenant: r.tenant,
    url: r.url,
    events: fromJson<string[]>(r.events, []),
    ...(r.description ? { description: r.description } : {}),
    ...(r.connection_id ? { connection: r.connection_id } : {}),
    status: r.status,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

export interface SubscriptionRow {
  id: string;
  url: string;
  events: string[];
  description?: string;
  connection?: string;
  secret: string;
}

export class SubscriptionsRepo {
  constructor(private readonly vault: Vault, private readonly now: () => number) {}

  async insert(scope: TenantScope, row: SubscriptionRow): Promise<Subscription> {
    const now = this.now();
    await scope.insert('subscriptions', {
      id: row.id,
      connection_id: row.connection ?? null,
      url: row.url,
      events: toJson(row.events),
      description: row.description ?? null,
      secret: this.vault.seal(row.secret, sealContext('subscriptions', 'secret', row.id)),
      status: 'active',
      created_at: now,
      updated_at: now,
    });
    return (await this.get(scope, row.id))!;
  }

  async get(scope: TenantScope, id: string): Promise<Subscription | undefined> {
    const r = await scope.from('subscriptions').select(PUBLIC_COLUMNS).where('id', id).first();
    return r ? toSubscription(r) : undefined;
  }

  async list(scope: TenantScope, req: PageRequest = {}): Promise<Page<Subscription>> {
    return keysetPage(scope.from('subscriptions').select(PUBLIC_COLUMNS), SUBSCRIPTION_KEY, req, toSubscription, LIMITS.subscriptions);
  }

  /** Active subscriptions that may receive events of `connection`. */
  async active(scope: TenantScope, connection: string | undefined): Promise<Subscription[]> {
    const rows = await scope
      .from('subscriptions')
      .select(PUBLIC_COLUMNS)
      .where('status', 'active')
      .where((qb) => {
        qb.whereNull('connection_id');
        if (connection) qb.orWhere('connection_id', connection);
      });
    return rows.map(toSubscription);
  }

  async delete(scope: TenantScope, id: string): Promise<boolean> {
    return (await scope.from('subscriptions').where('id', id).delete()) > 0;
  }

  open(id: string, sealed: string): string {
    return this.vault.open(sealed, sealContext('subscriptions', 'secret', id));
  }
}

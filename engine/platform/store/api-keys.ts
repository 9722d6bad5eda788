/**
 * The api_keys table. Only a key's digest is stored, never the key; hashing, checking and
 * what a key is shown as belong to engine/runtime/auth/keys.ts. Admin keys are rows of the
 * tenant `*`, so operator-wide reads are unscoped and name why.
 */
import type { Store } from './store.js';
import { fromJson, iso, toJson } from './json.js';
import { keysetPage, LIMITS, type Page, type PageKey, type PageRequest } from './paging.js';

export interface StoredApiKey {
  id: string;
  tenant: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

export interface NewApiKeyRow {
  id: string;
  tenant: string;
  name: string;
  prefix: string;
  /** Hex SHA-256 of the whole key. */
  hash: string;
  scopes: string[];
}

/** What authentication needs of a key's row. */
export interface ApiKeyCredential {
  id: string;
  tenant: string;
  hash: string;
  scopes: string[];
  revoked: boolean;
}

type Row = Record<string, any>;

const COLUMNS = ['id', 'tenant', 'name', 'prefix', 'scopes', 'created_at', 'last_used_at', 'revoked_at'];

/** Oldest first; the id breaks ties between keys made in the same millisecond. */
const KEY_ORDER: PageKey[] = [{ column: 'created_at', order: 'asc', type: 'number' }, { column: 'id', order: 'asc', type: 'string' }];

function toStored(r: Row): StoredApiKey {
  return {
    id: r.id,
    tenant: r.tenant,
    name: r.name,
    prefix: r.prefix,
    scopes: fromJson<string[]>(r.scopes, []),
    createdAt: iso(r.created_at)!,
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at),
  };
}

export class ApiKeysRepo {
  constructor(private readonly store: Store) {}

  private table(tenant: string | undefined, reason: string) {
    return tenant === undefined ? this.store.unscoped(reason).from('api_keys') : this.store.scope(tenant).from('api_keys');
  }

  async insert(k: NewApiKeyRow): Promise<StoredApiKey> {
    const row = { id: k.id, name: k.name, prefix: k.prefix, hash: k.hash, scopes: toJson(k.scopes), created_at: this.store.now() };
    await this.store.scope(k.tenant).insert('api_keys', row);
    return toStored({ ...row, tenant: k.tenant });
  }

  /** One tenant's keys, or (no tenant) every key. */
  list(filter: { tenant?: string } & PageRequest = {}): Promise<Page<StoredApiKey>> {
    return keysetPage(this.table(filter.tenant, 'operator listing of every API key').select(COLUMNS), KEY_ORDER, filter, toStored, LIMITS.keys);
  }

  async get(id: string): Promise<StoredApiKey | undefined> {
    const r = await this.store.unscoped('look up an API key by id').from('api_keys').select(COLUMNS).where('id', id).first();
    return r ? toStored(r) : undefined;
  }

  /** Revokes a live key (of `tenant` when given); false when there is none. */
  async revoke(id: string, tenant?: string): Promise<boolean> {
    const n = await this.table(tenant, 'operator revoking a key by id').where('id', id).whereNull('revoked_at').update({ revoked_at: this.store.now() });
    if (n > 0) await this.store.invalidations.publish('key', tenant ?? '*', id);
    return n > 0;
  }

  /** Whether changes made by other processes are heard (PostgreSQL). */
  get notified(): boolean {
    return this.store.invalidations.crossProcess;
  }

  /** Calls `fn` with a key id when that key changes in any process, or with nothing when every key must be read again. */
  watch(fn: (id?: string) => void): () => void {
    return this.store.invalidations.subscribe((c) => {
      if (c.kind === 'all') fn();
      else if (c.kind === 'key') fn(c.id);
    });
  }

  /** Keys ever created, revoked ones included. */
  async count(): Promise<number> {
    const r = await this.store.unscoped('count keys for the first-run setup').from('api_keys').count({ n: '*' }).first();
    return Number(r?.n ?? 0);
  }

  async credential(id: string): Promise<ApiKeyCredential | undefined> {
    const r = await this.store.unscoped('authenticate an API key').from('api_keys')
      .select(['id', 'tenant', 'hash', 'scopes', 'revoked_at']).where('id', id).first();
    if (!r) return undefined;
    return { id: r.id, tenant: r.tenant, hash: String(r.hash), scopes: fromJson<string[]>(r.scopes, []), revoked: r.revoked_at != null };
  }

  async touch(tenant: string, id: string): Promise<void> {
    await this.store.scope(tenant).from('api_keys').where('id', id).update({ last_used_at: this.store.now() });
  }
}

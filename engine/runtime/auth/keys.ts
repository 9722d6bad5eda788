/**
 * API keys. A key is `pbk_` + a 16-character id part + a 43-character secret (32 random
 * bytes): the id part finds the row without searching by secret, and only the SHA-256 of
 * the whole key is stored, compared in constant time. A high-entropy random key needs no
 * slow hash: there is nothing to guess from its digest.
 *
 * Admin keys span tenants; they are rows with the tenant `*` and the `admin` scope (no real
 * tenant can be called `*`), or the `PATCHBAY_ADMIN_KEY` environment variable.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConnectorError } from '../../core/errors.js';
import { fromJson, iso, toJson } from '../../platform/store/json.js';
import type { Store } from '../../platform/store/store.js';
import { keysetPage, LIMITS, type Page, type PageKey, type PageRequest } from '../../platform/store/paging.js';
import type { KeyView } from '../../platform/present/resources.js';

export interface Principal {
  /** API key id; `env-admin` for the `PATCHBAY_ADMIN_KEY` key. */
  keyId: string;
  admin: boolean;
  /** The key's own tenant (undefined for admin keys). */
  tenant?: string;
}

export const KEY_PREFIX = 'pbk_';
const ID_CHARS = 16;
const SECRET_CHARS = 43;
const ADMIN_TENANT = '*';
export const ENV_ADMIN_KEY_ID = 'env-admin';

/** Tenant names: what a tenant id may look like in keys, URLs and logs. */
export const TENANT_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$';
const TENANT_RE = new RegExp(TENANT_PATTERN);

/** The presented shape is the stored one: one definition for the runtime and the CLI. */
export type ApiKeyInfo = KeyView;

export interface CreatedKey {
  /** The only time the key itself exists outside its holder's hands. */
  key: string;
  info: ApiKeyInfo;
}

export interface ApiKeysOptions {
  /** `PATCHBAY_ADMIN_KEY`; pass undefined to read the environment, '' for none. */
  adminKey?: string;
  /** How long a verified key is trusted without reading the database again. Default 5 s. */
  cacheMs?: number;
}

type Row = Record<string, any>;

// One-shot hashing: no Hash object per request on the authentication path.
const sha256 = (s: string): Buffer => hash('sha256', s, 'buffer');

export function assertTenant(tenant: string): void {
  if (!TENANT_RE.test(tenant)) {
    throw new ConnectorError({ kind: 'validation', origin: 'caller', message: `invalid tenant "${tenant.slice(0, 100)}": use letters, digits, '.', '_' and '-' (up to 100, starting with a letter or digit)` });
  }
}

function toInfo(r: Row): ApiKeyInfo {
  const admin = fromJson<string[]>(r.scopes, []).includes('admin');
  return {
    id: r.id,
    tenant: admin ? undefined : r.tenant,
    admin,
    name: r.name,
    prefix: r.prefix,
    createdAt: iso(r.created_at)!,
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at),
  };
}

const COLUMNS = ['id', 'tenant', 'name', 'prefix', 'scopes', 'created_at', 'last_used_at', 'revoked_at'];

/** Oldest first; the id breaks ties between keys made in the same millisecond. */
const KEY_ORDER: PageKey[] = [{ column: 'created_at', order: 'asc', type: 'number' }, { column: 'id', order: 'asc', type: 'string' }];

export class ApiKeys {
  private readonly envAdminHash?: Buffer;
  private readonly cacheMs: number;
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  private readonly touched = new Map<string, number>();

  constructor(private readonly store: Store, opts: ApiKeysOptions = {}) {
    const env = opts.adminKey ?? process.env.PATCHBAY_ADMIN_KEY ?? '';
    if (env !== '') {
      if (env.length < 24) throw new ConnectorError({ kind: 'config', origin: 'caller', message: 'PATCHBAY_ADMIN_KEY is too short: use at least 24 random characters (or `patchbay keys create --admin`)' });
      this.envAdminHash = sha256(env);
    }
    this.cacheMs = opts.cacheMs ?? 5000;
  }

  get hasEnvAdminKey(): boolean {
    return this.envAdminHash !== undefined;
  }

  async create(opts: { tenant?: string; admin?: boolean; name?: string }): Promise<CreatedKey> {
    if (opts.admin === (opts.tenant !== undefined)) {
      throw new ConnectorError({ kind: 'validation', origin: 'caller', message: 'a key is either for one tenant or an admin key' });
    }
    if (opts.tenant !== undefined) assertTenant(opts.tenant);
    const idPart = randomBytes(12).toString('base64url');
    const key = `${KEY_PREFIX}${idPart}${randomBytes(32).toString('base64url')}`;
    const now = this.store.now();
    const row = {
      id: `key_${idPart}`,
      name: (opts.name ?? (opts.admin ? 'admin' : 'default')).slice(0, 200),
      prefix: key.slice(0, KEY_PREFIX.length + 8),
      hash: sha256(key).toString('hex'),
      scopes: toJson(opts.admin ? ['admin'] : []),
      created_at: now,
    };
    await this.store.scope(opts.tenant ?? ADMIN_TENANT).insert('api_keys', row);
    return { key, info: toInfo({ ...row, tenant: opts.tenant ?? ADMIN_TENANT }) };
  }

  /** One tenant's keys, or (no tenant) every key including admin keys. Never the keys themselves. */
  async list(filter: { tenant?: string } & PageRequest = {}): Promise<Page<ApiKeyInfo>> {
    const q = filter.tenant === undefined
      ? this.store.unscoped('operator listing of every API key').from('api_keys')
      : this.store.scope(filter.tenant).from('api_keys');
    return keysetPage(q.select(COLUMNS), KEY_ORDER, filter, toInfo, LIMITS.keys);
  }

  async get(id: string): Promise<ApiKeyInfo | undefined> {
    const r = await this.store.unscoped('look up an API key by id').from('api_keys').select(COLUMNS).where('id', id).first();
    return r ? toInfo(r) : undefined;
  }

  /** Revokes a key (of `tenant` when given); false when there is no such live key. */
  async revoke(id: string, filter: { tenant?: string } = {}): Promise<boolean> {
    const q = filter.tenant === undefined
      ? this.store.unscoped('operator revoking a key by id').from('api_keys')
      : this.store.scope(filter.tenant).from('api_keys');
    const n = await q.where('id', id).whereNull('revoked_at').update({ revoked_at: this.store.now() });
    for (const [hash, entry] of this.cache) if (entry.principal.keyId === id) this.cache.delete(hash);
    return n > 0;
  }

  /** Keys ever created, revoked ones included: zero means a server that was never set up. */
  async count(): Promise<number> {
    const r = await this.store.unscoped('count keys for the first-run setup').from('api_keys').count({ n: '*' }).first();
    return Number(r?.n ?? 0);
  }

  /** The caller a presented key stands for, or undefined when it is not a live key. */
  async authenticate(presented: string): Promise<Principal | undefined> {
    const digest = sha256(presented);
    if (this.envAdminHash && timingSafeEqual(digest, this.envAdminHash)) return { keyId: ENV_ADMIN_KEY_ID, admin: true };
    if (!presented.startsWith(KEY_PREFIX) || presented.length !== KEY_PREFIX.length + ID_CHARS + SECRET_CHARS) return undefined;
    const cacheKey = digest.toString('hex');
    const now = Date.now();
    const hit = this.cache.get(cacheKey);
    if (hit && hit.until > now) return hit.principal;

    const id = `key_${presented.slice(KEY_PREFIX.length, KEY_PREFIX.length + ID_CHARS)}`;
    const row = await this.store.unscoped('authenticate an API key').from('api_keys')
      .select(['id', 'tenant', 'hash', 'scopes', 'revoked_at']).where('id', id).first();
    if (!row || row.revoked_at != null) return undefined;
    const stored = Buffer.from(String(row.hash), 'hex');
    if (stored.length !== digest.length || !timingSafeEqual(stored, digest)) return undefined;
    const admin = fromJson<string[]>(row.scopes, []).includes('admin');
    const principal: Principal = admin ? { keyId: row.id, admin: true } : { keyId: row.id, admin: false, tenant: row.tenant };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(cacheKey, { principal, until: now + this.cacheMs });
    this.touch(row.id, row.tenant, now);
    return principal;
  }

  /** Records use at most once a minute per key: a write per request would serialise SQLite. */
  private touch(id: string, tenant: string, now: number): void {
    if ((this.touched.get(id) ?? 0) > now - 60_000) return;
    this.touched.set(id, now);
    void this.store.scope(tenant).from('api_keys').where('id', id).update({ last_used_at: this.store.now() }).catch(() => undefined);
  }
}

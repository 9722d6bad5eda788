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
import type { ApiKeysRepo, StoredApiKey } from '../../platform/store/api-keys.js';
import type { Page, PageRequest } from '../../platform/store/paging.js';
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
  /**
   * How long a verified key is trusted without reading the database again. Default 30 s on
   * PostgreSQL, where a revocation in any process drops the entry at once (the window is only
   * a safety net), 5 s on SQLite, where another process (the CLI) is not heard.
   */
  cacheMs?: number;
}

// One-shot hashing: no Hash object per request on the authentication path.
const sha256 = (s: string): Buffer => hash('sha256', s, 'buffer');

export function assertTenant(tenant: string): void {
  if (!TENANT_RE.test(tenant)) {
    throw new ConnectorError({ kind: 'validation', origin: 'caller', message: `invalid tenant "${tenant.slice(0, 100)}": use letters, digits, '.', '_' and '-' (up to 100, starting with a letter or digit)` });
  }
}

function toInfo(k: StoredApiKey): ApiKeyInfo {
  const admin = k.scopes.includes('admin');
  return {
    id: k.id,
    tenant: admin ? undefined : k.tenant,
    admin,
    name: k.name,
    prefix: k.prefix,
    createdAt: k.createdAt,
    lastUsedAt: k.lastUsedAt,
    revokedAt: k.revokedAt,
  };
}

export class ApiKeys {
  private readonly envAdminHash?: Buffer;
  private readonly cacheMs: number;
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  private readonly touched = new Map<string, number>();

  constructor(private readonly repo: ApiKeysRepo, opts: ApiKeysOptions = {}) {
    const env = opts.adminKey ?? process.env.PATCHBAY_ADMIN_KEY ?? '';
    if (env !== '') {
      if (env.length < 24) throw new ConnectorError({ kind: 'config', origin: 'caller', message: 'PATCHBAY_ADMIN_KEY is too short: use at least 24 random characters (or `patchbay keys create --admin`)' });
      this.envAdminHash = sha256(env);
    }
    this.cacheMs = opts.cacheMs ?? (repo.notified ? 30_000 : 5000);
    repo.watch((id) => {
      if (id === undefined) this.cache.clear();
      else for (const [digest, entry] of this.cache) if (entry.principal.keyId === id) this.cache.delete(digest);
    });
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
    const stored = await this.repo.insert({
      id: `key_${idPart}`,
      tenant: opts.tenant ?? ADMIN_TENANT,
      name: (opts.name ?? (opts.admin ? 'admin' : 'default')).slice(0, 200),
      prefix: key.slice(0, KEY_PREFIX.length + 8),
      hash: sha256(key).toString('hex'),
      scopes: opts.admin ? ['admin'] : [],
    });
    return { key, info: toInfo(stored) };
  }

  /** One tenant's keys, or (no tenant) every key including admin keys. Never the keys themselves. */
  async list(filter: { tenant?: string } & PageRequest = {}): Promise<Page<ApiKeyInfo>> {
    const page = await this.repo.list(filter);
    return { ...page, items: page.items.map(toInfo) };
  }

  async get(id: string): Promise<ApiKeyInfo | undefined> {
    const k = await this.repo.get(id);
    return k ? toInfo(k) : undefined;
  }

  /** Revokes a key (of `tenant` when given); false when there is no such live key. */
  async revoke(id: string, filter: { tenant?: string } = {}): Promise<boolean> {
    const revoked = await this.repo.revoke(id, filter.tenant);
    for (const [hash, entry] of this.cache) if (entry.principal.keyId === id) this.cache.delete(hash);
    return revoked;
  }

  /** Keys ever created, revoked ones included: zero means a server that was never set up. */
  count(): Promise<number> {
    return this.repo.count();
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
    const row = await this.repo.credential(id);
    if (!row || row.revoked) return undefined;
    const stored = Buffer.from(row.hash, 'hex');
    if (stored.length !== digest.length || !timingSafeEqual(stored, digest)) return undefined;
    const admin = row.scopes.includes('admin');
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
    void this.repo.touch(tenant, id).catch(() => undefined);
  }
}

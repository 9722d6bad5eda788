/**
 * The connections table. Credentials are sealed here, on the way in, and only
 * `getCredentials` ever opens them; every listing shape carries field names, not values.
 */
import type { Store } from './store.js';
import type { TenantScope } from './scope.js';
import type { Vault } from '../secrets/vault.js';
import { ConnectorError } from '../../core/errors.js';
import { fromJson, iso, toJson } from './json.js';
import { sealContext } from './sealed.js';
import { batchAfter, keysetPage, LIMITS, type Page, type PageKey, type PageRequest } from './paging.js';

/** `needs_choice`: a set-up step found several accounts and waits for the caller to pick one. */
export type ConnectionStatus = 'active' | 'error' | 'disconnected' | 'needs_choice';

export interface ConnectionInfo {
  id: string;
  tenant: string;
  connector: string;
  name: string;
  auth?: string;
  config: Record<string, unknown>;
  settings: Record<string, unknown>;
  /** Which credential fields are set; never their values. */
  credentialFields: string[];
  status: ConnectionStatus;
  lastError?: string;
  lastErrorAt?: string;
  createdAt: string;
  updatedAt: string;
  disconnectedAt?: string;
}

export interface NewConnectionRow {
  id: string;
  connector: string;
  name: string;
  auth?: string;
  config: Record<string, unknown>;
  credentials: Record<string, unknown>;
  settings?: Record<string, unknown>;
  status: ConnectionStatus;
}

export interface ConnectionPatch {
  name?: string;
  auth?: string | null;
  config?: Record<string, unknown>;
  /** Replaces the stored credentials; `null` wipes them. */
  credentials?: Record<string, unknown> | null;
  settings?: Record<string, unknown>;
  status?: ConnectionStatus;
  /** Sets last_error/last_error_at (the time is now). */
  error?: string;
}

type Row = Record<string, any>;

/** Oldest first; the id breaks ties between connections made in the same millisecond. */
const CONNECTION_KEY: PageKey[] = [{ column: 'created_at', order: 'asc', type: 'number' }, { column: 'id', order: 'asc', type: 'string' }];

export interface ConnectionFilter extends PageRequest {
  connector?: string;
  status?: ConnectionStatus;
}

const PUBLIC_COLUMNS = [
  'id', 'tenant', 'connector', 'name', 'auth', 'config', 'settings', 'credential_fields', 'status',
  'last_error', 'last_error_at', 'created_at', 'updated_at', 'disconnected_at',
];

function toInfo(r: Row): ConnectionInfo {
  return {
    id: r.id,
    tenant: r.tenant,
    connector: r.connector,
    name: r.name,
    auth: r.auth ?? undefined,
    config: fromJson(r.config, {}),
    settings: fromJson(r.settings, {}),
    credentialFields: fromJson(r.credential_fields, []),
    status: r.status,
    lastError: r.last_error ?? undefined,
    lastErrorAt: iso(r.last_error_at),
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    disconnectedAt: iso(r.disconnected_at),
  };
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || /UNIQUE constraint failed/.test(e?.message ?? '');
}

export class ConnectionsRepo {
  constructor(private readonly store: Store, private readonly vault: Vault) {}

  private sealCredentials(id: string, credentials: Record<string, unknown>): string {
    return this.vault.sealJson(credentials, sealContext('connections', 'credentials', id));
  }

  async insert(scope: TenantScope, row: NewConnectionRow): Promise<ConnectionInfo> {
    const now = this.store.now();
    try {
      await scope.insert('connections', {
        id: row.id,
        connector: row.connector,
        name: row.name,
        auth: row.auth ?? null,
        config: toJson(row.config),
        credentials: this.sealCredentials(row.id, row.credentials),
        credential_fields: toJson(Object.keys(row.credentials).filter((k) => row.credentials[k] != null).sort()),
        settings: toJson(row.settings ?? {}),
        status: row.status,
        created_at: now,
        updated_at: now,
      });
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new ConnectorError({
          kind: 'conflict', origin: 'caller',
          connector: row.connector,
          message: `tenant "${scope.tenant}" already has a ${row.connector} connection named "${row.name}"`,
        });
      }
      throw err;
    }
    return (await this.get(scope, row.id))!;
  }

  async get(scope: TenantScope, id: string): Promise<ConnectionInfo | undefined> {
    const r = await scope.from('connections').select(PUBLIC_COLUMNS).where('id', id).first();
    return r ? toInfo(r) : undefined;
  }

  async exists(scope: TenantScope, id: string): Promise<boolean> {
    return Boolean(await scope.from('connections').select('id').where('id', id).first());
  }

  async findByName(scope: TenantScope, connector: string, name: string): Promise<ConnectionInfo | undefined> {
    const r = await scope.from('connections').select(PUBLIC_COLUMNS).where({ connector, name }).first();
    return r ? toInfo(r) : undefined;
  }

  /** The decrypted credentials; `{}` once disconnected. */
  async getCredentials(scope: TenantScope, id: string): Promise<Record<string, unknown>> {
    const r = await scope.from('connections').select('credentials').where('id', id).first();
    if (!r?.credentials) return {};
    return this.vault.openJson(r.credentials, sealContext('connections', 'credentials', id));
  }

  async list(scope: TenantScope, filter: ConnectionFilter = {}): Promise<Page<ConnectionInfo>> {
    const q = scope.from('connections').select(PUBLIC_COLUMNS);
    if (filter.connector) q.where('connector', filter.connector);
    if (filter.status) q.where('status', filter.status);
    return keysetPage(q, CONNECTION_KEY, filter, toInfo, LIMITS.connections);
  }

  /** Operator view across tenants (the CLI without --tenant), grouped by tenant. */
  async listAllTenants(filter: ConnectionFilter = {}): Promise<Page<ConnectionInfo>> {
    const q = this.store.unscoped('operator listing of every tenant').from('connections').select(PUBLIC_COLUMNS);
    if (filter.connector) q.where('connector', filter.connector);
    if (filter.status) q.where('status', filter.status);
    return keysetPage(q, [{ column: 'tenant', order: 'asc', type: 'string' }, ...CONNECTION_KEY], filter, toInfo, LIMITS.connections);
  }

  /** Ids are globally unique, so an id alone identifies its tenant. */
  async tenantOf(id: string): Promise<string | undefined> {
    const r = await this.store.unscoped('resolve a connection id to its tenant').from('connections')
      .select('tenant').where('id', id).first();
    return r?.tenant;
  }

  /** Whether changes made by other processes are heard (PostgreSQL). */
  get notified(): boolean {
    return this.store.invalidations.crossProcess;
  }

  /** Calls `fn` when a connection changes in any process, or with nothing when every copy must be read again. */
  watch(fn: (ref?: { tenant: string; id: string }) => void): () => void {
    return this.store.invalidations.subscribe((c) => {
      if (c.kind === 'all') fn();
      else if (c.kind === 'connection') fn({ tenant: c.tenant, id: c.id });
    });
  }

  async update(scope: TenantScope, id: string, patch: ConnectionPatch): Promise<ConnectionInfo | undefined> {
    const now = this.store.now();
    const set: Row = { updated_at: now };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.auth !== undefined) set.auth = patch.auth;
    if (patch.config !== undefined) set.config = toJson(patch.config);
    if (patch.settings !== undefined) set.settings = toJson(patch.settings);
    if (patch.credentials === null) {
      set.credentials = null;
      set.credential_fields = '[]';
    } else if (patch.credentials !== undefined) {
      set.credentials = this.sealCredentials(id, patch.credentials);
      set.credential_fields = toJson(Object.keys(patch.credentials).filter((k) => patch.credentials![k] != null).sort());
    }
    if (patch.status !== undefined) {
      set.status = patch.status;
      set.disconnected_at = patch.status === 'disconnected' ? now : null;
    }
    if (patch.error !== undefined) {
      set.last_error = patch.error;
      set.last_error_at = now;
    }
    try {
      const n = await scope.from('connections').where('id', id).update(set);
      if (n === 0) return undefined;
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new ConnectorError({ kind: 'conflict', origin: 'caller', message: `tenant "${scope.tenant}" already has a connection named "${patch.name}"` });
      }
      throw err;
    }
    await this.store.invalidations.publish('connection', scope.tenant, id);
    return this.get(scope, id);
  }
}

/**
 * Active connections, across tenants, holding a refresh token and an expiry: the background
 * refresher's candidates, in id order after `after` (keyset paging, so a pass over many
 * tenants never holds a long query open). Needs no vault: nothing sealed is read.
 */
export async function refreshCandidates(store: Store, after: string, limit: number): Promise<Array<{ id: string; tenant: string; connector: string; auth: string | null }>> {
  return (await store.unscoped('background token refresh looks at every tenant\'s OAuth connections')
    .from('connections')
    .select('id', 'tenant', 'connector', 'auth')
    .where('status', 'active')
    .where('credential_fields', 'like', '%"refresh_token"%')
    .where('credential_fields', 'like', '%"expires_at"%')
    .modify(batchAfter, after, limit)) as Array<{ id: string; tenant: string; connector: string; auth: string | null }>;
}

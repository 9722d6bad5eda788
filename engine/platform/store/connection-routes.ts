/**
 * connection_routes: the values a connection proved to the provider (its token or check
 * response named them), the only values a connector-level webhook is routed by. Values a
 * tenant typed (config, settings it passed in) never land here, so a tenant cannot claim
 * another tenant's provider account.
 */
import type { Store } from './store.js';

export type RouteSource = 'token' | 'check' | 'setup';

export interface RouteOwner {
  tenant: string;
  connector: string;
  connectionId: string;
}

/** Scalar values only: an object or empty value routes nothing. */
export function routeValues(values: Record<string, unknown> | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(values ?? {})) {
    if (v === undefined || v === null || v === '' || typeof v === 'object') continue;
    const text = String(v);
    if (text.length <= 500 && k.length <= 200) out.push([k, text]);
  }
  return out;
}

export class ConnectionRoutesRepo {
  /** Bumped by every write of this process, so an index built before it is rebuilt at once. */
  version = 0;

  constructor(private readonly store: Store) {}

  private db(reason: string) {
    return this.store.unscoped(reason);
  }

  /** Adds or overwrites proven values of a connection (others stay). */
  async merge(owner: RouteOwner, values: Record<string, unknown> | undefined, source: RouteSource): Promise<void> {
    const rows = routeValues(values).map(([setting, value]) => ({
      connection_id: owner.connectionId, setting, tenant: owner.tenant, connector: owner.connector, value, source, proven_at: this.store.now(),
    }));
    if (rows.length === 0) return;
    this.version++;
    await this.db('record what a connection proved to its provider').from('connection_routes').insert(rows)
      .onConflict(['connection_id', 'setting']).merge(['value', 'source', 'proven_at', 'tenant', 'connector']);
  }

  /** Forgets every proven value (credentials changed without a new proof, or disconnected). */
  async clear(connectionId: string): Promise<void> {
    this.version++;
    await this.db('forget what a connection proved').from('connection_routes').where('connection_id', connectionId).delete();
  }

  async replace(owner: RouteOwner, values: Record<string, unknown> | undefined, source: RouteSource): Promise<void> {
    await this.clear(owner.connectionId);
    await this.merge(owner, values, source);
  }

  async of(connectionId: string): Promise<Record<string, string>> {
    const rows = await this.db('read what a connection proved').from('connection_routes').select('setting', 'value').where('connection_id', connectionId);
    return Object.fromEntries(rows.map((r: { setting: string; value: string }) => [r.setting, r.value]));
  }

  /** value → live connection ids (oldest first) of `connector` that proved `setting`. */
  async index(connector: string, setting: string): Promise<{ byValue: Map<string, string[]>; all: string[] }> {
    const rows = await this.db('find the connection a connector-level webhook belongs to, in any tenant')
      .from('connection_routes as r').join('connections as c', 'c.id', 'r.connection_id')
      .select('r.connection_id as id', 'r.value as value')
      .where('r.connector', connector).where('r.setting', setting).whereNot('c.status', 'disconnected')
      .orderBy('c.created_at').orderBy('c.id');
    const byValue = new Map<string, string[]>();
    for (const r of rows as Array<{ id: string; value: string }>) byValue.set(r.value, [...(byValue.get(r.value) ?? []), r.id]);
    return { byValue, all: rows.map((r: { id: string }) => r.id) };
  }
}

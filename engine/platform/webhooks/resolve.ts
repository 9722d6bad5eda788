/**
 * Which connection an event belongs to: the one named in a per-connection URL, or, for a
 * connector-level URL, those that proved to the provider (token or check response) the
 * setting value the manifest's `connection.match` takes from the event. Config and settings
 * a tenant typed never count, so nobody can claim another tenant's provider account. The value → connections index is rebuilt at
 * most once a second on a miss, so a flood of unknown values cannot turn every request into
 * a scan, and a newly created connection is found within a second; a proof this process
 * drops or adds rebuilds it at once, one another process drops within five seconds. Resolved connections
 * (decrypted credentials included) are reused for a moment, since opening them costs more
 * than storing the event; a verification that fails on a reused one is retried with a fresh
 * copy, so a rotated secret takes effect at once.
 */
import { isConnectorError } from '../../core/errors.js';
import type { ConnectionService, ResolvedStoredConnection } from '../connections/service.js';

interface Index {
  byValue: Map<string, string[]>;
  all: string[];
  builtAt: number;
  version: number;
}

const REBUILD_MS = 1000;
const REUSE_MS = 2000;
/** A hit is served from an index at most this old, so a proof dropped by another process stops routing soon. */
const MAX_AGE_MS = 5000;

export interface Resolved extends ResolvedStoredConnection {
  /** True when this copy was reused rather than just read. */
  cached: boolean;
}
/** Handshakes that name no account are verified against at most this many connections. */
export const MAX_CANDIDATES = 50;

export class ConnectionResolver {
  private readonly indexes = new Map<string, Index>();
  private readonly recent = new Map<string, { at: number; value: Promise<ResolvedStoredConnection | undefined> }>();

  constructor(private readonly connections: ConnectionService) {
    connections.watch((ref) => {
      if (ref) this.recent.delete(ref.id);
      else {
        this.recent.clear();
        this.indexes.clear();
      }
    });
  }

  /** A live connection of `connector` by id, or undefined. */
  async byId(connector: string, id: string, opts: { fresh?: boolean } = {}): Promise<Resolved | undefined> {
    const now = Date.now();
    const hit = this.recent.get(id);
    let cached = true;
    let pending = hit && !opts.fresh && now - hit.at < REUSE_MS ? hit.value : undefined;
    if (!pending) {
      cached = false;
      pending = this.read(id);
      this.recent.set(id, { at: now, value: pending });
      if (this.recent.size > 10_000) this.recent.delete(this.recent.keys().next().value!);
      // Only live answers are kept: a failure or an unknown id is asked again next time.
      pending.then((r) => { if (!r) this.forget(id, pending!); }, () => this.forget(id, pending!));
    }
    const r = await pending;
    return r && r.info.connector === connector ? { ...r, cached } : undefined;
  }

  private forget(id: string, value: Promise<unknown>): void {
    if (this.recent.get(id)?.value === value) this.recent.delete(id);
  }

  private async read(id: string): Promise<ResolvedStoredConnection | undefined> {
    try {
      const r = await this.connections.resolve(id);
      return r.info.status !== 'disconnected' ? r : undefined;
    } catch (err) {
      if (isConnectorError(err) && err.kind === 'not_found') return undefined;
      throw err;
    }
  }

  /** Live connections of `connector` whose `setting` equals `value`. */
  async byMatch(connector: string, setting: string, value: string): Promise<Resolved[]> {
    let index = await this.index(connector, setting, false);
    let ids = index.byValue.get(value);
    if (!ids) {
      index = await this.index(connector, setting, true);
      ids = index.byValue.get(value);
    }
    return this.load(connector, ids ?? []);
  }

  /** Any live connections of the connector (for a handshake that names no account). */
  async candidates(connector: string, setting: string): Promise<Resolved[]> {
    const index = await this.index(connector, setting, true);
    return this.load(connector, index.all.slice(0, MAX_CANDIDATES));
  }

  private async load(connector: string, ids: string[]): Promise<Resolved[]> {
    const out: Resolved[] = [];
    for (const id of ids) {
      const r = await this.byId(connector, id);
      if (r) out.push(r);
    }
    return out;
  }

  private async index(connector: string, setting: string, refresh: boolean): Promise<Index> {
    const key = `${connector}\u0000${setting}`;
    const cur = this.indexes.get(key);
    const now = Date.now();
    const version = this.connections.routes.version;
    if (cur && cur.version === version && now - cur.builtAt < (refresh ? REBUILD_MS : MAX_AGE_MS)) return cur;
    const index = { ...(await this.connections.routes.index(connector, setting)), builtAt: now, version };
    this.indexes.set(key, index);
    return index;
  }

  /** What `id` proved to its provider (the values connector-level deliveries route by). */
  proven(id: string): Promise<Record<string, string>> {
    return this.connections.routes.of(id);
  }
}

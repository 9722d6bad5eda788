/**
 * The discovered_streams table: per connection, the streams its dynamic families listed at
 * the last discovery. A discovery replaces its families' rows in one transaction, so a
 * reader sees the old list or the new one, never half of each.
 */
import { fromJson, iso, toJson } from './json.js';
import type { TenantScope } from './scope.js';
import type { DiscoveredStream } from '../../run/operations/discover.js';

/** A stream as discovery lists it (engine/run/operations/discover.ts). */
export type NewDiscoveredStream = DiscoveredStream;

export interface StoredDiscoveredStream extends DiscoveredStream {
  connectionId: string;
  discoveredAt: string;
}

type Row = Record<string, any>;

const INSERT_SLICE = 100;

function toStream(r: Row): StoredDiscoveredStream {
  return {
    connectionId: r.connection_id,
    name: r.name,
    family: r.family,
    key: r.key,
    ...(r.title != null ? { title: r.title as string } : {}),
    primaryKey: fromJson<string[]>(r.primary_key, []),
    item: fromJson(r.item, null),
    discoveredAt: iso(Number(r.discovered_at))!,
  };
}

export class DiscoveredStreamsRepo {
  constructor(private readonly now: () => number) {}

  /** The families' streams become exactly `streams`; other families' rows are untouched. */
  async replace(scope: TenantScope, connectionId: string, families: readonly string[], streams: readonly NewDiscoveredStream[]): Promise<void> {
    const at = this.now();
    await scope.transaction(async (tx) => {
      if (families.length > 0) await tx.from('discovered_streams').where('connection_id', connectionId).whereIn('family', [...families]).delete();
      // In slices: SQLite caps the bound values of one statement.
      for (let i = 0; i < streams.length; i += INSERT_SLICE) {
        await tx.insert('discovered_streams', streams.slice(i, i + INSERT_SLICE).map((s) => ({
          connection_id: connectionId, name: s.name, family: s.family, key: s.key, title: s.title ?? null,
          primary_key: toJson(s.primaryKey), item: toJson(s.item), discovered_at: at,
        })));
      }
    });
  }

  async list(scope: TenantScope, connectionId: string, family?: string): Promise<StoredDiscoveredStream[]> {
    const q = scope.from('discovered_streams').where('connection_id', connectionId);
    if (family !== undefined) q.where('family', family);
    return (await q.orderBy([{ column: 'family' }, { column: 'key' }])).map(toStream);
  }

  async get(scope: TenantScope, connectionId: string, name: string): Promise<StoredDiscoveredStream | undefined> {
    const r = await scope.from('discovered_streams').where({ connection_id: connectionId, name }).first();
    return r ? toStream(r) : undefined;
  }
}

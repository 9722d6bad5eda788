/**
 * Discovered streams of stored connections: a discovery asks the provider and keeps the
 * list (with each stream's item) per connection, and a sync, schedule or record read of a
 * discovered name finds its stream here. A stream the provider no longer lists leaves the
 * list; what was synced from it (records, state, runs) stays where it is.
 */
import { ConnectorError } from '../../core/errors.js';
import type { Connection } from '../../core/wire.js';
import { DYNAMIC_KEY, dynamicName, planStream, type Plan, type PlanStream } from '../../plan/plan.js';
import { discoveredPlanStream, type DiscoverResult } from '../../run/operations/discover.js';
import { unknownName } from '../../run/operations/suggest.js';
import type { ConnectionRef, ConnectionService } from '../connections/service.js';
import type { EngineSeam } from '../connections/seam.js';
import type { DiscoveredStreamsRepo, StoredDiscoveredStream } from '../store/discovered-streams.js';
import type { TenantScope } from '../store/scope.js';

export interface DiscoveredStreamsApi {
  /** Asks the provider now and stores the list: every family's, or the one named. */
  discover(ref: ConnectionRef, family?: string, opts?: { signal?: AbortSignal }): Promise<DiscoverResult>;
  /** The streams the last discovery stored. */
  list(ref: ConnectionRef, family?: string): Promise<StoredDiscoveredStream[]>;
}

/** What a sync reads: a static stream, or a discovered one with its item. */
export interface SyncTarget {
  stream: PlanStream;
  item?: unknown;
}

export class DiscoveredStreams implements DiscoveredStreamsApi {
  constructor(
    private readonly connections: ConnectionService,
    private readonly engine: EngineSeam,
    private readonly repo: DiscoveredStreamsRepo,
  ) {}

  async discover(ref: ConnectionRef, family?: string, opts: { signal?: AbortSignal } = {}): Promise<DiscoverResult> {
    const { scope, info, connection } = await this.connections.resolve(ref);
    if (info.status === 'disconnected') {
      throw new ConnectorError({ kind: 'config', origin: 'connection', connector: info.connector, message: `connection ${info.id} is disconnected` });
    }
    // As for a sync: until its set-up is chosen, a request would go out for no account.
    if (info.status === 'needs_choice') {
      throw new ConnectorError({ kind: 'conflict', origin: 'connection', connector: info.connector, code: 'connection_needs_choice', message: `connection ${info.id} waits for a choice of its set-up; choose one of its pending_choice options first` });
    }
    return this.discoverFor(scope, info, connection, family, opts.signal);
  }

  async list(ref: ConnectionRef, family?: string): Promise<StoredDiscoveredStream[]> {
    const { scope, id } = await this.connections.locate(ref);
    return this.repo.list(scope, id, family);
  }

  private async discoverFor(scope: TenantScope, info: { id: string; connector: string }, connection: Connection, family: string | undefined, signal?: AbortSignal): Promise<DiscoverResult> {
    if (!this.engine.discover) throw new ConnectorError({ kind: 'internal', origin: 'internal', message: 'this engine cannot discover streams' });
    const discover = this.engine.discover.bind(this.engine);
    const result = await this.connections.markingRefusals(scope, info.id, connection, () => discover(connection, family, { signal }));
    const plan = this.engine.plan(info.connector);
    const families = family !== undefined ? [family] : Object.keys(plan?.dynamicStreams ?? {});
    await this.repo.replace(scope, info.id, families, result.streams);
    return result;
  }

  /** `target` for a connection reference. */
  async targetOf(ref: ConnectionRef, plan: Plan, name: string): Promise<SyncTarget | undefined> {
    const { scope, info, connection } = await this.connections.resolve(ref);
    return this.target(scope, info, connection, plan, name);
  }

  /**
   * The stream a sync of `name` reads: the plan's, or the discovered one stored for the
   * connection (discovering its family first when none is stored). Undefined when the
   * connector has no such stream or family; not_found when the provider does not list the key.
   */
  async target(scope: TenantScope, info: { id: string; connector: string }, connection: Connection, plan: Plan, name: string): Promise<SyncTarget | undefined> {
    const fixed = planStream(plan, name);
    if (fixed) return { stream: fixed };
    const dyn = dynamicName(plan, name);
    if (!dyn) return undefined;
    let stored = await this.repo.get(scope, info.id, name);
    if (!stored) {
      const found = await this.discoverFor(scope, info, connection, dyn.family.name);
      const d = found.streams.find((s) => s.name === name);
      if (!d) {
        throw new ConnectorError({ kind: 'not_found', origin: 'caller', code: 'stream_not_found', connector: info.connector, message: `connector ${info.connector}: ${unknownName(`stream of family ${dyn.family.name}`, dyn.key, found.streams.map((s) => s.key))}` });
      }
      stored = { ...d, connectionId: info.id, discoveredAt: '' };
    }
    return { stream: discoveredPlanStream(dyn.family, stored), item: stored.item };
  }
}

/** A name that can name a stream of this plan: a declared one, or `<family>.<key>` of a declared family. */
export function isStreamName(plan: Plan, name: string): boolean {
  if (planStream(plan, name)) return true;
  const dyn = dynamicName(plan, name);
  return dyn !== undefined && DYNAMIC_KEY.test(dyn.key);
}

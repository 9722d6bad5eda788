/**
 * The host-facing reads over synced data and history: records (and their change feed), runs
 * and schedules, each addressed by a connection reference so callers never juggle tenants
 * and scopes themselves.
 */
import { ConnectorError } from '../../core/errors.js';
import type { ConnectionRef, ConnectionService } from '../connections/service.js';
import type { EngineSeam } from '../connections/seam.js';
import type { Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import type { RecordsRepo, ChangePage, RecordQuery, StoredRecord } from '../store/records.js';
import type { StateRepo } from '../store/state.js';
import type { Page, PageRequest } from '../store/paging.js';
import type { RunsRepo, SyncRun, SyncStatus } from '../store/runs.js';
import type { SchedulesRepo, Schedule } from '../store/schedules.js';
import { newId } from '../store/ids.js';
import { firstRun, normaliseSchedule, type ScheduleInput } from './timing.js';
import type { DiscoveredStreams } from './discovered.js';

/**
 * Turns a repo method taking (scope, connection id, …) into one taking a connection
 * reference, resolved to its tenant's scope first.
 */
function byConnection<A extends unknown[], R>(
  connections: ConnectionService,
  method: (scope: TenantScope, connectionId: string, ...rest: A) => Promise<R>,
): (ref: ConnectionRef, ...rest: A) => Promise<R> {
  return async (ref, ...rest) => {
    const { scope, id } = await connections.locate(ref);
    return method(scope, id, ...rest);
  };
}

export interface RecordsApi {
  /**
   * `cursor`: a previous `nextCursor` (a bad one is a validation error with code `invalid_cursor`; `param` names it).
   * `filters`: `{ field, op, value }` conditions on the record's fields, all of which must hold
   * (a bad one is a validation error with code `invalid_filter`); `updatedSince`: epoch ms.
   */
  list(ref: ConnectionRef, stream: string, opts?: RecordQuery): Promise<Page<StoredRecord>>;
  /** One stored record by its primary key, also when it is soft-deleted (`deletedAt` says so). */
  get(ref: ConnectionRef, stream: string, id: string): Promise<StoredRecord | undefined>;
  count(ref: ConnectionRef, stream: string, opts?: { includeDeleted?: boolean }): Promise<number>;
  /**
   * Records changed after `cursor` (a previous `nextCursor`; omit for everything), oldest
   * change first. `since` is the deprecated plain-sequence form of the cursor.
   */
  changes(ref: ConnectionRef, stream: string, opts?: PageRequest & { since?: string; sinceParam?: string }): Promise<ChangePage>;
}

export function recordsApi(connections: ConnectionService, repo: RecordsRepo): RecordsApi {
  return {
    list: byConnection(connections, repo.list.bind(repo)),
    get: byConnection(connections, repo.get.bind(repo)),
    count: byConnection(connections, repo.count.bind(repo)),
    changes: byConnection(connections, repo.changes.bind(repo)),
  };
}

/** What each stream of a connection resumes from (docs/storage.md "Stream state"). */
export interface StateApi {
  /** The stream's stored state; undefined when it has none (never synced, or nothing to resume from). */
  get(ref: ConnectionRef, stream: string): Promise<Record<string, unknown> | undefined>;
  /** Every stream of the connection that has a state row, by name. */
  list(ref: ConnectionRef): Promise<Array<{ stream: string; state: Record<string, unknown>; updatedAt: number }>>;
}

export function stateApi(connections: ConnectionService, repo: StateRepo): StateApi {
  return {
    get: byConnection(connections, repo.get.bind(repo)),
    list: byConnection(connections, repo.list.bind(repo)),
  };
}

export interface RunsApi {
  /** A run by id; pass the tenant when acting for one (else the id alone finds it). */
  get(id: string, tenant?: string): Promise<SyncRun | undefined>;
  /** Newest first; without a connection or tenant, every tenant's (the operator's view). */
  list(filter?: { connection?: ConnectionRef; tenant?: string; stream?: string; status?: SyncStatus } & PageRequest): Promise<Page<SyncRun>>;
}

export function runsApi(store: Store, connections: ConnectionService, repo: RunsRepo): RunsApi {
  return {
    async get(id, tenant) {
      const t = tenant ?? (await repo.tenantOf(id));
      return t ? repo.get(store.scope(t), id) : undefined;
    },
    async list(filter = {}) {
      if (filter.connection !== undefined) {
        const { scope, id } = await connections.locate(filter.connection);
        return repo.list(scope, { ...filter, connectionId: id });
      }
      if (filter.tenant !== undefined) return repo.list(store.scope(filter.tenant), filter);
      return repo.listAllTenants(filter);
    },
  };
}

export interface SchedulesApi {
  /** Creates or replaces the schedule of one stream; `every: '15m'` or `cron: '0 * * * *'`. */
  set(ref: ConnectionRef, stream: string, input: ScheduleInput): Promise<Schedule>;
  get(ref: ConnectionRef, stream: string): Promise<Schedule | undefined>;
  remove(ref: ConnectionRef, stream: string): Promise<boolean>;
  list(filter: { connection?: ConnectionRef; tenant?: string }): Promise<Schedule[]>;
}

async function knownStream(streams: DiscoveredStreams, info: { tenant: string; id: string; connector: string }, plan: NonNullable<ReturnType<EngineSeam['plan']>>, name: string): Promise<boolean> {
  if (Object.hasOwn(plan.streams, name)) return true;
  return (await streams.targetOf({ tenant: info.tenant, id: info.id }, plan, name)) !== undefined;
}

export function schedulesApi(
  store: Store,
  connections: ConnectionService,
  streams: DiscoveredStreams,
  engine: EngineSeam,
  repo: SchedulesRepo,
  random: () => number = Math.random,
): SchedulesApi {
  return {
    async set(ref, stream, input) {
      const info = await connections.get(ref);
      if (!info) throw new ConnectorError({ kind: 'not_found', origin: 'connection', message: `no connection with id "${typeof ref === 'string' ? ref : ref.id}"` });
      const plan = engine.plan(info.connector);
      // A discovered stream is scheduled by its name like any other (discovered now if not yet stored).
      const known = plan && (await knownStream(streams, info, plan, stream));
      if (!known) {
        throw new ConnectorError({ kind: 'not_found', origin: 'caller', connector: info.connector, message: `connector ${info.connector} has no stream "${stream}"` });
      }
      const spec = normaliseSchedule(input);
      return repo.upsert(store.scope(info.tenant), {
        id: newId('sch'), connectionId: info.id, stream, spec, nextRunAt: firstRun(spec, store.now(), random),
      });
    },
    get: byConnection(connections, repo.get.bind(repo)),
    remove: byConnection(connections, repo.remove.bind(repo)),
    async list(filter) {
      if (filter.connection !== undefined) {
        const { scope, id } = await connections.locate(filter.connection);
        return repo.list(scope, { connectionId: id });
      }
      if (filter.tenant === undefined) throw new ConnectorError({ kind: 'validation', origin: 'caller', message: 'list schedules of a tenant or a connection' });
      return repo.list(store.scope(filter.tenant));
    },
  };
}

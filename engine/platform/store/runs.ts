/**
 * The sync_runs history. A run row carries its own lease (owner and expiry) so anyone can
 * tell a live run from one whose process died: `running` with an expired lease is dead.
 */
import type { Store } from './store.js';
import type { TenantScope } from './scope.js';
import { iso } from './json.js';
import { keysetPage, LIMITS, type Page, type PageKey, type PageRequest } from './paging.js';

export type SyncTrigger = 'manual' | 'schedule' | 'webhook';
export type SyncStatus = 'running' | 'success' | 'partial' | 'failed';

export interface RunCounts {
  read: number;
  written: number;
  unchanged: number;
  failed: number;
  deleted: number;
  pages: number;
}

export interface SyncRun {
  id: string;
  tenant: string;
  connectionId: string;
  stream: string;
  trigger: SyncTrigger;
  status: SyncStatus;
  records: RunCounts;
  error?: string;
  errorKind?: string;
  startedAt: string;
  endedAt?: string;
  /** Internal: which process holds the run, and until when. Never shown to clients. */
  leaseOwner?: string;
  leaseExpiresAt?: string;
}


/** Newest first; the id breaks ties between runs started in the same millisecond. */
const RUN_KEY: PageKey[] = [{ column: 'started_at', order: 'desc', type: 'number' }, { column: 'id', order: 'desc', type: 'string' }];

export interface RunFilter extends PageRequest {
  connectionId?: string;
  stream?: string;
  status?: SyncStatus;
}

type Row = Record<string, any>;

export const LEASE_EXPIRED_MESSAGE = 'run abandoned: its process stopped renewing the lease';

/** One table for both directions, so a count cannot be written to one column and read from another. */
const COUNT_COLUMNS: Record<keyof RunCounts, string> = {
  read: 'records_read',
  written: 'records_written',
  unchanged: 'records_unchanged',
  failed: 'records_failed',
  deleted: 'records_deleted',
  pages: 'pages',
};
const COUNTS = Object.keys(COUNT_COLUMNS) as Array<keyof RunCounts>;

function countsOf(r: Row): RunCounts {
  const counts = {} as RunCounts;
  for (const k of COUNTS) counts[k] = Number(r[COUNT_COLUMNS[k]]);
  return counts;
}

function countColumns(c: RunCounts): Row {
  return Object.fromEntries(COUNTS.map((k) => [COUNT_COLUMNS[k], c[k]]));
}

/** The update that closes a run whose process stopped renewing its lease. */
function abandoned(now: number): Row {
  return { status: 'failed', error: LEASE_EXPIRED_MESSAGE, error_kind: 'lease_expired', ended_at: now, lease_expires_at: null };
}

function toRun(r: Row): SyncRun {
  return {
    id: r.id,
    tenant: r.tenant,
    connectionId: r.connection_id,
    stream: r.stream,
    trigger: r.trigger,
    status: r.status,
    records: countsOf(r),
    error: r.error ?? undefined,
    errorKind: r.error_kind ?? undefined,
    startedAt: iso(r.started_at)!,
    endedAt: iso(r.ended_at),
    leaseOwner: r.lease_owner ?? undefined,
    leaseExpiresAt: iso(r.lease_expires_at),
  };
}

export class RunsRepo {
  constructor(private readonly store: Store) {}

  async create(
    scope: TenantScope,
    run: { id: string; connectionId: string; stream: string; trigger: SyncTrigger; leaseOwner: string; leaseExpiresAt: number },
  ): Promise<void> {
    await scope.insert('sync_runs', {
      id: run.id,
      connection_id: run.connectionId,
      stream: run.stream,
      trigger: run.trigger,
      status: 'running',
      started_at: this.store.now(),
      lease_owner: run.leaseOwner,
      lease_expires_at: run.leaseExpiresAt,
    });
  }

  async progress(scope: TenantScope, id: string, counts: RunCounts, leaseExpiresAt?: number): Promise<void> {
    const set = countColumns(counts);
    if (leaseExpiresAt !== undefined) set.lease_expires_at = leaseExpiresAt;
    await scope.from('sync_runs').where({ id, status: 'running' }).update(set);
  }

  async heartbeat(scope: TenantScope, id: string, leaseExpiresAt: number): Promise<void> {
    await scope.from('sync_runs').where({ id, status: 'running' }).update({ lease_expires_at: leaseExpiresAt });
  }

  async finish(
    scope: TenantScope,
    id: string,
    end: { status: Exclude<SyncStatus, 'running'>; counts: RunCounts; error?: string; errorKind?: string },
  ): Promise<void> {
    await scope
      .from('sync_runs')
      .where('id', id)
      .update({
        ...countColumns(end.counts),
        status: end.status,
        error: end.error ?? null,
        error_kind: end.errorKind ?? null,
        ended_at: this.store.now(),
        lease_expires_at: null,
      });
  }

  /**
   * Closes the stream's other `running` runs as failed. Only the holder of the stream's
   * lease calls this, so any other run still marked running has lost its process.
   */
  async closeAbandoned(scope: TenantScope, connectionId: string, stream: string, exceptId: string): Promise<number> {
    return scope
      .from('sync_runs')
      .where({ connection_id: connectionId, stream, status: 'running' })
      .whereNot('id', exceptId)
      .update(abandoned(this.store.now()));
  }

  /** Sweeper for runs nobody claims again: any tenant's `running` run whose lease is over. */
  async closeExpired(): Promise<number> {
    const now = this.store.now();
    return this.store
      .unscoped('sweep runs abandoned by dead processes, in every tenant')
      .from('sync_runs')
      .where('status', 'running')
      .where('lease_expires_at', '<', now)
      .update(abandoned(now));
  }

  /** Run ids are globally unique, so an id alone identifies its tenant. */
  async tenantOf(id: string): Promise<string | undefined> {
    const r = await this.store.unscoped('resolve a run id to its tenant').from('sync_runs').select('tenant').where('id', id).first();
    return r?.tenant;
  }

  async get(scope: TenantScope, id: string): Promise<SyncRun | undefined> {
    const r = await scope.from('sync_runs').where('id', id).first();
    return r ? toRun(r) : undefined;
  }

  async list(scope: TenantScope, filter: RunFilter = {}): Promise<Page<SyncRun>> {
    const q = scope.from('sync_runs');
    if (filter.connectionId) q.where('connection_id', filter.connectionId);
    if (filter.stream) q.where('stream', filter.stream);
    if (filter.status) q.where('status', filter.status);
    return keysetPage(q, RUN_KEY, filter, toRun, LIMITS.runs);
  }

  async listAllTenants(filter: RunFilter = {}): Promise<Page<SyncRun>> {
    const q = this.store.unscoped('operator listing of every tenant').from('sync_runs');
    if (filter.stream) q.where('stream', filter.stream);
    if (filter.status) q.where('status', filter.status);
    return keysetPage(q, RUN_KEY, filter, toRun, LIMITS.runs);
  }
}

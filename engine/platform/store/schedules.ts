/**
 * Sync schedules. A due schedule is claimed by moving its `next_run_at` forward and taking
 * its lease in one atomic step, so among any number of processes exactly one gets each
 * occurrence. PostgreSQL claims a batch with `FOR UPDATE SKIP LOCKED` (claimers never wait
 * on each other); SQLite, which has one writer anyway, uses a conditional UPDATE per row.
 */
import type { Knex } from 'knex';
import type { Store } from './store.js';
import type { Db, TenantScope, Unscoped } from './scope.js';
import type { Dialect } from './config.js';
import { iso } from './json.js';

export interface ScheduleSpec {
  /** Fixed interval in ms. Exactly one of intervalMs and cron. */
  intervalMs?: number;
  cron?: string;
  timezone?: string;
  jitterMs?: number;
  enabled?: boolean;
}

export interface Schedule {
  id: string;
  tenant: string;
  connectionId: string;
  stream: string;
  intervalMs?: number;
  cron?: string;
  timezone?: string;
  jitterMs: number;
  enabled: boolean;
  nextRunAt: string;
  lastRunId?: string;
  lastRunAt?: string;
  leaseOwner?: string;
  leaseExpiresAt?: string;
  /** Why the scheduler switched this schedule off (a stored spec it could not run). */
  lastError?: string;
}

export interface ClaimedSchedule extends Schedule {
  /** Raw epoch ms of the occurrence that was claimed. */
  dueAt: number;
}

type Row = Record<string, any>;

/** ISO time, or undefined for a value no Date can hold (rows stored before validation). */
function safeIso(ms: unknown): string | undefined {
  if (ms === null || ms === undefined) return undefined;
  const d = new Date(Number(ms));
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function toSchedule(r: Row): Schedule {
  const lease = Number(r.lease_expires_at);
  const next = safeIso(r.next_run_at);
  return {
    id: r.id,
    tenant: r.tenant,
    connectionId: r.connection_id,
    stream: r.stream,
    intervalMs: r.interval_ms == null ? undefined : Number(r.interval_ms),
    cron: r.cron ?? undefined,
    timezone: r.timezone ?? undefined,
    jitterMs: Number(r.jitter_ms),
    enabled: Boolean(r.enabled),
    // A next run out of the date range never comes: shown as the last update, with the reason.
    nextRunAt: next ?? safeIso(r.updated_at)!,
    lastRunId: r.last_run_id ?? undefined,
    lastRunAt: safeIso(r.last_run_at),
    leaseOwner: r.lease_owner ?? undefined,
    leaseExpiresAt: lease > 0 ? safeIso(lease) : undefined,
    lastError: r.last_error ?? (next === undefined ? 'the stored next run time is out of range; replace the schedule' : undefined),
  };
}

export interface ClaimRequest {
  owner: string;
  now: number;
  limit: number;
  leaseMs: number;
  /** The occurrence after the claimed one (epoch ms); throws for a spec that cannot run. */
  nextAfter: (s: Schedule, now: number) => number;
  /** Told of a schedule switched off because `nextAfter` refused it. */
  onInvalid?: (s: Schedule, err: unknown) => void;
}

/**
 * The next occurrence, or undefined after switching the schedule off with the reason: one
 * bad row (stored before validation existed) must not fail the claim of every other one.
 */
async function nextOrDisable(db: Db, r: Row, s: Schedule, req: ClaimRequest): Promise<number | undefined> {
  try {
    const next = req.nextAfter(s, req.now);
    if (Number.isNaN(new Date(next).getTime())) throw new Error(`next run ${next} is out of range`);
    return next;
  } catch (err) {
    const reason = `switched off: ${err instanceof Error ? err.message : String(err)}`.slice(0, 1000);
    await db('schedules').where('id', r.id).update({ enabled: false, last_error: reason, updated_at: req.now });
    req.onInvalid?.(s, err);
    return undefined;
  }
}

type Claimer = (db: Unscoped, req: ClaimRequest) => Promise<ClaimedSchedule[]>;

const due = (q: Knex.QueryBuilder, now: number) =>
  q.where('enabled', true).where('next_run_at', '<=', now).where('lease_expires_at', '<', now);

const claimSkipLocked: Claimer = (db, req) =>
  db.transaction(async (trx) => {
    const rows = (await due(trx.from('schedules'), req.now).orderBy('next_run_at').limit(req.limit).forUpdate().skipLocked()) as Row[];
    const claimed: ClaimedSchedule[] = [];
    for (const r of rows) {
      const s = toSchedule(r);
      const next = await nextOrDisable(trx.db, r, s, req);
      if (next === undefined) continue;
      await trx.from('schedules').where('id', r.id)
        .update({ next_run_at: next, lease_owner: req.owner, lease_expires_at: req.now + req.leaseMs, updated_at: req.now });
      claimed.push({ ...s, dueAt: Number(r.next_run_at), nextRunAt: iso(next)!, leaseOwner: req.owner });
    }
    return claimed;
  });

const claimConditional: Claimer = async (db, req) => {
  const rows = (await due(db.from('schedules'), req.now).orderBy('next_run_at').limit(req.limit)) as Row[];
  const claimed: ClaimedSchedule[] = [];
  for (const r of rows) {
    const s = toSchedule(r);
    const next = await nextOrDisable(db.db, r, s, req);
    if (next === undefined) continue;
    // Succeeds only if nobody claimed this occurrence since we read it.
    const n = await due(db.from('schedules').where({ id: r.id, next_run_at: r.next_run_at }), req.now)
      .update({ next_run_at: next, lease_owner: req.owner, lease_expires_at: req.now + req.leaseMs, updated_at: req.now });
    if (n === 1) claimed.push({ ...s, dueAt: Number(r.next_run_at), nextRunAt: iso(next)!, leaseOwner: req.owner });
  }
  return claimed;
};

const CLAIMERS: Record<Dialect, Claimer> = { postgres: claimSkipLocked, sqlite: claimConditional };

export class SchedulesRepo {
  constructor(private readonly store: Store) {}

  async upsert(scope: TenantScope, row: { id: string; connectionId: string; stream: string; spec: ScheduleSpec; nextRunAt: number }): Promise<Schedule> {
    const now = this.store.now();
    const values = {
      interval_ms: row.spec.intervalMs ?? null,
      cron: row.spec.cron ?? null,
      timezone: row.spec.timezone ?? null,
      jitter_ms: row.spec.jitterMs ?? 0,
      enabled: row.spec.enabled ?? true,
      next_run_at: row.nextRunAt,
      last_error: null,
      updated_at: now,
    };
    await scope
      .insert('schedules', { id: row.id, connection_id: row.connectionId, stream: row.stream, created_at: now, lease_expires_at: 0, ...values })
      .onConflict(['connection_id', 'stream'])
      .merge(Object.keys(values));
    return (await this.get(scope, row.connectionId, row.stream))!;
  }

  async get(scope: TenantScope, connectionId: string, stream: string): Promise<Schedule | undefined> {
    const r = await scope.from('schedules').where({ connection_id: connectionId, stream }).first();
    return r ? toSchedule(r) : undefined;
  }

  async list(scope: TenantScope, filter: { connectionId?: string } = {}): Promise<Schedule[]> {
    const q = scope.from('schedules').orderBy('connection_id').orderBy('stream');
    if (filter.connectionId) q.where('connection_id', filter.connectionId);
    return (await q).map(toSchedule);
  }

  async remove(scope: TenantScope, connectionId: string, stream: string): Promise<boolean> {
    return (await scope.from('schedules').where({ connection_id: connectionId, stream }).delete()) > 0;
  }

  async claimDue(req: ClaimRequest): Promise<ClaimedSchedule[]> {
    const db = this.store.unscoped('the scheduler claims due syncs of every tenant');
    return CLAIMERS[db.dialect](db, req);
  }

  async renewLease(id: string, owner: string, until: number): Promise<void> {
    await this.store.unscoped('the scheduler renews the lease it holds').from('schedules')
      .where({ id, lease_owner: owner }).update({ lease_expires_at: until });
  }

  async release(id: string, owner: string, lastRun?: { id: string; at: number }): Promise<void> {
    const set: Row = { lease_owner: null, lease_expires_at: 0, updated_at: this.store.now() };
    if (lastRun) Object.assign(set, { last_run_id: lastRun.id, last_run_at: lastRun.at });
    await this.store.unscoped('the scheduler releases the lease it holds').from('schedules').where({ id, lease_owner: owner }).update(set);
  }
}

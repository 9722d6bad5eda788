/**
 * Retention: what the purge deletes, table by table. Rows that are still in flight (a
 * pending or processing event, a pending delivery, a running sync) are never touched;
 * finished ones go once older than their window: `processed` for work that succeeded,
 * `rejected` for deliveries that failed verification and work that gave up (dead
 * deliveries, failed events), which nobody needs for long and which anyone can create.
 *
 * Each rule deletes at most `batchSize` rows per statement (by primary key, through a
 * sub-select on an index), so a large backlog never holds a long lock or a huge
 * transaction; the purge loops until a rule has nothing left.
 *
 * A new table of history (push history, an operator-only rejection log) is one more rule.
 */
import type { Knex } from 'knex';
import type { Store } from './store.js';

export interface RetentionWindows {
  /** Milliseconds a finished, successful row is kept. */
  processedMs: number;
  /** Milliseconds a rejected delivery or a dead/failed row is kept. */
  rejectedMs: number;
}

export interface PurgeOptions {
  /** Count what would go, delete nothing. */
  dryRun?: boolean;
  /** Rows per delete statement; default 500. */
  batchSize?: number;
  /** Stop early (shutdown); rows deleted so far stay deleted. */
  signal?: AbortSignal;
}

export interface PurgeReport {
  dryRun: boolean;
  /** Rows deleted (or, in a dry run, that would be) per rule. */
  deleted: Record<string, number>;
  total: number;
}

interface Rule {
  name: string;
  table: string;
  /** Narrows a select on `table` to the rows this rule deletes. */
  where(q: Knex.QueryBuilder, cutoff: { processed: number; rejected: number }, db: Knex | Knex.Transaction): Knex.QueryBuilder;
  /** The table has no `id`: its rows are few (one per key and hour), so one delete does. */
  unbatched?: boolean;
}

const RULES: Rule[] = [
  {
    name: 'webhook_events.processed',
    table: 'webhook_events',
    where: (q, c) => q.where('status', 'processed').where('received_at', '<', c.processed),
  },
  {
    name: 'webhook_events.rejected',
    table: 'webhook_events',
    where: (q, c) => q.where('status', 'rejected').where('received_at', '<', c.rejected),
  },
  {
    name: 'webhook_events.failed',
    table: 'webhook_events',
    where: (q, c) => q.where('status', 'failed').where('received_at', '<', c.rejected),
  },
  {
    // A whole delivery body kept once for its split events: it goes with the last of them.
    name: 'webhook_payloads.orphaned',
    table: 'webhook_payloads',
    where: (q, c, db) => q.where('created_at', '<', c.rejected)
      .whereNotExists(db('webhook_events').select(db.raw('1')).whereRaw('webhook_events.payload_id = webhook_payloads.id')),
  },
  {
    name: 'deliveries.delivered',
    table: 'deliveries',
    where: (q, c) => q.where('status', 'delivered').where('created_at', '<', c.processed),
  },
  {
    name: 'deliveries.dead',
    table: 'deliveries',
    where: (q, c) => q.where('status', 'dead').where('created_at', '<', c.rejected),
  },
  {
    // Attempts cascade with their delivery (ON DELETE CASCADE).
    name: 'sync_runs.finished',
    table: 'sync_runs',
    where: (q, c) => q.whereIn('status', ['success', 'partial', 'failed']).where('started_at', '<', c.processed),
  },
  {
    // The operator's hourly counts of refused deliveries (which also prune themselves after 7 days).
    name: 'webhook_rejections',
    table: 'webhook_rejections',
    where: (q, c) => q.where('bucket', '<', c.rejected),
    unbatched: true,
  },
];

export const DEFAULT_PURGE_BATCH = 500;

export class RetentionRepo {
  constructor(private readonly store: Store) {}

  /** Deletes (or counts) every row past its window, as of `store.now()`. */
  async purge(windows: RetentionWindows, opts: PurgeOptions = {}): Promise<PurgeReport> {
    const batch = opts.batchSize ?? DEFAULT_PURGE_BATCH;
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError('batchSize must be a positive integer');
    const now = this.store.now();
    const cutoff = { processed: now - windows.processedMs, rejected: now - windows.rejectedMs };
    const db = this.store.unscoped('retention: the purge removes every tenant\'s rows past their window').db;
    const deleted: Record<string, number> = {};
    let total = 0;
    for (const rule of RULES) {
      let n = 0;
      if (opts.dryRun) {
        const r = (await rule.where(db(rule.table), cutoff, db).count({ n: '*' }).first()) as { n: number | string } | undefined;
        n = Number(r?.n ?? 0);
      } else if (rule.unbatched) {
        n = Number(await rule.where(db(rule.table), cutoff, db).delete());
      } else {
        for (;;) {
          if (opts.signal?.aborted) break;
          const ids = rule.where(db(rule.table).select('id'), cutoff, db).limit(batch);
          const gone = Number(await db(rule.table).whereIn('id', ids).delete());
          n += gone;
          if (gone < batch) break;
        }
      }
      deleted[rule.name] = n;
      total += n;
    }
    return { dryRun: opts.dryRun === true, deleted, total };
  }
}

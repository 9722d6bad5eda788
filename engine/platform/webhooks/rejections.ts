/**
 * Refused deliveries, counted for the operator: per connector, connection ('' for the
 * connector-level URL), reason and hour. No tenant and no body, so nothing a sender puts in
 * a forged request reaches a tenant's log, and a flood costs one row per hour and reason.
 * A connection's own log gets a metadata row (never the body) only while its hourly count
 * is within budget; past it the delivery is only counted.
 */
import type { Store } from '../store/store.js';
import { iso } from '../store/json.js';
import type { RejectReason } from './types.js';

const HOUR = 3_600_000;
/** Refused deliveries recorded in one connection's log per hour and reason; the rest are counted. */
export const REJECTED_LOG_BUDGET = 100;
/** Counts are kept this long. */
const KEEP_MS = 7 * 24 * HOUR;

export interface RejectionCount {
  connector: string;
  connectionId?: string;
  reason: RejectReason;
  hour: string;
  count: number;
  lastAt: string;
}

export class RejectionCounter {
  private prunedBucket = 0;

  constructor(private readonly store: Store) {}

  private db(reason: string) {
    return this.store.unscoped(reason);
  }

  /** Counts one refused delivery; resolves with the count of its hour (this one included). */
  async count(connector: string, connectionId: string | undefined, reason: RejectReason): Promise<number> {
    const now = this.store.now();
    const bucket = now - (now % HOUR);
    const key = { connector, connection_id: connectionId ?? '', reason, bucket };
    const u = this.db('count refused webhook deliveries for the operator');
    const n = await u.transaction(async (t) => {
      await t.from('webhook_rejections').insert({ ...key, count: 1, last_at: now })
        .onConflict(['connector', 'connection_id', 'reason', 'bucket'])
        .merge({ count: this.store.knex.raw('webhook_rejections.count + 1'), last_at: now });
      const row = await t.from('webhook_rejections').select('count').where(key).first();
      return Number(row?.count ?? 1);
    });
    if (bucket !== this.prunedBucket) {
      this.prunedBucket = bucket;
      await u.from('webhook_rejections').where('bucket', '<', now - KEEP_MS).delete();
    }
    return n;
  }

  /** Newest hours first. */
  async list(f: { connector?: string; since?: number; limit?: number } = {}): Promise<RejectionCount[]> {
    const q = this.db('operator listing of refused webhook deliveries').from('webhook_rejections')
      .orderBy('bucket', 'desc').orderBy('connector').orderBy('connection_id').orderBy('reason')
      .limit(Math.min(Math.max(f.limit ?? 200, 1), 1000));
    if (f.connector) q.where('connector', f.connector);
    if (f.since !== undefined) q.where('bucket', '>=', f.since - (f.since % HOUR));
    const rows = await q;
    return rows.map((r: Record<string, any>) => ({
      connector: r.connector,
      ...(r.connection_id ? { connectionId: r.connection_id } : {}),
      reason: r.reason,
      hour: iso(r.bucket)!,
      count: Number(r.count),
      lastAt: iso(r.last_at)!,
    }));
  }
}

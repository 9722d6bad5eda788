/**
 * The webhook_rejections table: hourly counts of refused deliveries per connector,
 * connection ('' for the connector-level URL) and reason. It has no tenant column, so every
 * access is unscoped.
 */
import type { Store } from './store.js';
import { iso } from './json.js';
import type { RejectReason } from '../../core/webhook.js';

export interface RejectionCount {
  connector: string;
  connectionId?: string;
  reason: RejectReason;
  hour: string;
  count: number;
  lastAt: string;
}

export interface RejectionKey {
  connector: string;
  connectionId?: string;
  reason: RejectReason;
  /** Start of the hour, epoch ms. */
  bucket: number;
}

export class WebhookRejectionsRepo {
  constructor(private readonly store: Store) {}

  private db(reason: string) {
    return this.store.unscoped(reason);
  }

  /** Adds one to the key's count; resolves with the count after it. */
  async bump(k: RejectionKey, at: number): Promise<number> {
    const key = { connector: k.connector, connection_id: k.connectionId ?? '', reason: k.reason, bucket: k.bucket };
    return this.db('count refused webhook deliveries for the operator').transaction(async (t) => {
      await t.from('webhook_rejections').insert({ ...key, count: 1, last_at: at })
        .onConflict(['connector', 'connection_id', 'reason', 'bucket'])
        .merge({ count: this.store.knex.raw('webhook_rejections.count + 1'), last_at: at });
      const row = await t.from('webhook_rejections').select('count').where(key).first();
      return Number(row?.count ?? 1);
    });
  }

  async deleteBefore(bucket: number): Promise<void> {
    await this.db('count refused webhook deliveries for the operator').from('webhook_rejections').where('bucket', '<', bucket).delete();
  }

  /** Newest hours first. */
  async list(f: { connector?: string; sinceBucket?: number; limit: number }): Promise<RejectionCount[]> {
    const q = this.db('operator listing of refused webhook deliveries').from('webhook_rejections')
      .orderBy('bucket', 'desc').orderBy('connector').orderBy('connection_id').orderBy('reason')
      .limit(f.limit);
    if (f.connector) q.where('connector', f.connector);
    if (f.sinceBucket !== undefined) q.where('bucket', '>=', f.sinceBucket);
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

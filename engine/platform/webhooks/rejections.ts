/**
 * Refused deliveries, counted for the operator: per connector, connection ('' for the
 * connector-level URL), reason and hour. No tenant and no body, so nothing a sender puts in
 * a forged request reaches a tenant's log, and a flood costs one row per hour and reason.
 * A connection's own log gets a metadata row (never the body) only while its hourly count
 * is within budget; past it the delivery is only counted.
 */
import type { WebhookRejectionsRepo, RejectionCount } from '../store/webhook-rejections.js';
import type { RejectReason } from './types.js';

export type { RejectionCount } from '../store/webhook-rejections.js';

const HOUR = 3_600_000;
/** Refused deliveries recorded in one connection's log per hour and reason; the rest are counted. */
export const REJECTED_LOG_BUDGET = 100;
/** Counts are kept this long. */
const KEEP_MS = 7 * 24 * HOUR;

export class RejectionCounter {
  private prunedBucket = 0;

  constructor(private readonly repo: WebhookRejectionsRepo, private readonly now: () => number) {}

  /** Counts one refused delivery; resolves with the count of its hour (this one included). */
  async count(connector: string, connectionId: string | undefined, reason: RejectReason): Promise<number> {
    const now = this.now();
    const bucket = now - (now % HOUR);
    const n = await this.repo.bump({ connector, connectionId, reason, bucket }, now);
    // Pruning once per hour keeps the table small without a delete on every refusal.
    if (bucket !== this.prunedBucket) {
      this.prunedBucket = bucket;
      await this.repo.deleteBefore(now - KEEP_MS);
    }
    return n;
  }

  /** Newest hours first. */
  list(f: { connector?: string; since?: number; limit?: number } = {}): Promise<RejectionCount[]> {
    return this.repo.list({
      connector: f.connector,
      sinceBucket: f.since === undefined ? undefined : f.since - (f.since % HOUR),
      limit: Math.min(Math.max(f.limit ?? 200, 1), 1000),
    });
  }
}

/**
 * The platform's shared request slots: on PostgreSQL, every process on the database draws a
 * manifest's `rate_limit` windows from the same counts (store/rate-slots.ts), so several
 * `serve` processes together stay within one provider budget. SQLite is one process's
 * store: its engine's own limiter already sees every call, so there is no source.
 */
import type { Logger } from '../../core/log.js';
import type { RateSlotSource } from '../../run/http/rate-slots.js';
import { RateSlotsRepo } from '../store/rate-slots.js';
import type { Store } from '../store/store.js';

const PURGE_EVERY_MS = 60_000;

export function sharedRateSlots(store: Store, logger?: Logger): RateSlotSource | undefined {
  if (store.dialect !== 'postgres') return undefined;
  const repo = new RateSlotsRepo(store);
  let purgedAt = 0;
  return {
    async take(budget, window, n) {
      const before = Date.now();
      const r = await repo.take(budget, window, n);
      // Measured from before the round trip, a batch expires early rather than late.
      const offset = before - r.now;
      if (r.now - purgedAt >= PURGE_EVERY_MS) {
        purgedAt = r.now;
        repo.purge().catch((err: unknown) => logger?.warn({ err: (err as Error).message }, 'purging expired rate slots failed'));
      }
      return {
        granted: r.granted,
        ...(r.expiresAt !== undefined ? { expiresAtMs: r.expiresAt + offset } : {}),
        ...(r.retryAt !== undefined ? { retryAtMs: r.retryAt + offset } : {}),
      };
    },
  };
}

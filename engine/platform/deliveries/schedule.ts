/**
 * When a failed delivery is tried again. The waits grow from seconds to hours so a brief
 * blip heals fast and a receiver that is down for a day still gets everything, and no wait
 * exceeds a day so a recovered receiver is not left waiting longer than that.
 */
export const DEFAULT_SCHEDULE_MS: readonly number[] = [
  5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 57_600_000, 86_400_000,
];

export const MAX_WAIT_MS = 86_400_000;

/**
 * The wait after the `failures`-th failed attempt of a cycle, or undefined when the schedule
 * is used up (the delivery is dead). A receiver's Retry-After is honoured when it asks for
 * longer, never beyond the cap. Jitter spreads a burst of failures so retries do not arrive
 * as the same burst.
 */
export function nextWait(
  schedule: readonly number[],
  failures: number,
  opts: { retryAfterMs?: number; jitter?: number; random?: () => number } = {},
): number | undefined {
  if (failures < 1 || failures > schedule.length) return undefined;
  let wait = schedule[failures - 1];
  if (opts.retryAfterMs !== undefined && opts.retryAfterMs > wait) wait = opts.retryAfterMs;
  const jitter = opts.jitter ?? 0;
  if (jitter > 0) wait += wait * jitter * ((opts.random ?? Math.random)() * 2 - 1);
  return Math.max(0, Math.min(Math.round(wait), MAX_WAIT_MS));
}

/** `Retry-After`: the engine's one parser (delta-seconds or HTTP-date, clamped). */
export { parseRetryAfter } from '../../run/http/retry.js';

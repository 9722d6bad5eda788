/**
 * Judges client-side throttling by when requests reached the scripted server. Arrivals lag
 * their sending by a latency that grows under load, so windows are not measured between
 * arrivals (a late first arrival would look like a burst): with a budget of N per window,
 * the (kN + 1)th request cannot arrive before k windows after the operation started, since
 * it cannot be sent before then, and an engine that does not throttle sends it at once.
 */
import { WAIT_SLACK_MS } from './server.js';
import type { ExpectedThrottle } from './types.js';

/** Failure lines; empty when no request went out before its budget allowed. `startedAt` is `performance.now()` before the operation. */
export function checkThrottle(expected: ExpectedThrottle, arrivals: readonly number[], startedAt: number): string[] {
  const { requests, per_ms: perMs } = expected;
  if (arrivals.length <= requests) {
    return [`throttled: the case sent ${arrivals.length} request(s), not more than the budget of ${requests}, so it cannot show throttling; send more (\`repeat\`, \`times\`)`];
  }
  const sorted = [...arrivals].sort((a, b) => a - b);
  for (let k = 1; k * requests < sorted.length; k++) {
    const at = sorted[k * requests] - startedAt;
    if (at < k * perMs - WAIT_SLACK_MS) {
      return [`throttled: request #${k * requests + 1} arrived ${Math.round(at)} ms after the operation started; a budget of ${requests} per ${perMs} ms allows it no sooner than ${k * perMs} ms`];
    }
  }
  return [];
}

/** A concurrency cap: at most `cap` requests awaited their answer at once, and the case sent enough to show it. */
export function checkInFlight(cap: number, seen: number, sent: number): string[] {
  if (sent <= cap) return [`max_in_flight: the case sent ${sent} request(s), not more than the cap of ${cap}, so it cannot show one; send more (\`repeat\`) with a \`delay_ms\``];
  return seen > cap ? [`max_in_flight: ${seen} requests awaited their answer at once; expected at most ${cap}`] : [];
}

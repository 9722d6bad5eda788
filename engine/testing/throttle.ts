/**
 * Judges client-side throttling by when requests reached the scripted server: a declared
 * budget of N per window means no window saw N + 1 arrivals. Arrival times jitter a little
 * behind the limiter's own start times, so the window is shortened by a small slack.
 */
import type { ExpectedThrottle } from './types.js';

export function throttleSlackMs(perMs: number): number {
  return Math.min(50, Math.floor(perMs / 20));
}

/** Failure lines; empty when every window of `per_ms` held at most `requests` arrivals. */
export function checkThrottle(expected: ExpectedThrottle, arrivals: readonly number[]): string[] {
  const { requests, per_ms: perMs } = expected;
  if (arrivals.length <= requests) {
    return [`throttled: the case sent ${arrivals.length} request(s), not more than the budget of ${requests}, so it cannot show throttling; send more (\`repeat\`, \`times\`)`];
  }
  const window = perMs - throttleSlackMs(perMs);
  const sorted = [...arrivals].sort((a, b) => a - b);
  for (let i = 0; i + requests < sorted.length; i++) {
    const span = sorted[i + requests] - sorted[i];
    if (span < window) {
      return [`throttled: requests #${i + 1} to #${i + requests + 1} (${requests + 1} requests) arrived within ${Math.round(span)} ms; a budget of ${requests} per ${perMs} ms allows at most ${requests}`];
    }
  }
  return [];
}

/** A concurrency cap: at most `cap` requests awaited their answer at once, and the case sent enough to show it. */
export function checkInFlight(cap: number, seen: number, sent: number): string[] {
  if (sent <= cap) return [`max_in_flight: the case sent ${sent} request(s), not more than the cap of ${cap}, so it cannot show one; send more (\`repeat\`) with a \`delay_ms\``];
  return seen > cap ? [`max_in_flight: ${seen} requests awaited their answer at once; expected at most ${cap}`] : [];
}

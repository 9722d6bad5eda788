/** Manifest durations: an integer number of milliseconds, or `500ms`, `30s`, `1.5m`, `1h`, `1d`. */
import { ConnectorError } from '../core/errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)$/;

export function parseDuration(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value);
  if (typeof value === 'string') {
    const m = PATTERN.exec(value.trim());
    if (m) return Math.round(Number(m[1]) * UNIT_MS[m[2]]);
  }
  throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `not a duration: ${JSON.stringify(value)} (use e.g. 500ms, 30s, 5m, 1h, 1d or integer milliseconds)` });
}

/** `value` in ms, or `fallbackMs` when the manifest leaves it out. */
export function durationOr(value: unknown, fallbackMs: number): number {
  return value === undefined || value === null ? fallbackMs : parseDuration(value);
}

/** When a schedule next fires: a fixed interval or a cron expression, plus random jitter. */
import { Cron } from 'croner';
import { ConnectorError } from '../../core/errors.js';
import { parseDuration } from '../../lang/durations.js';
import type { Schedule, ScheduleSpec } from '../store/schedules.js';

export interface ScheduleInput {
  /** `15m`, `1h`, or milliseconds. */
  every?: string | number;
  cron?: string;
  timezone?: string;
  /** Random delay added to each occurrence so many schedules do not fire in lock-step. */
  jitter?: string | number;
  enabled?: boolean;
}

export const MIN_INTERVAL_MS = 1000;
/** A year and a day: beyond it a schedule is a typo, and its next run would leave the date range. */
export const MAX_INTERVAL_MS = 366 * 86_400_000;

/** A refusal naming the schedule field (`every`, `cron`, `timezone`, `jitter`). */
function invalid(field: string, message: string): ConnectorError {
  return new ConnectorError({ kind: 'validation', origin: 'caller', message: `schedule ${field}: ${message}`, details: [{ path: field, message }] });
}

function boundedDuration(field: string, value: string | number, min: number): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch {
    throw invalid(field, `${JSON.stringify(value).slice(0, 60)} is not a duration (use e.g. 30s, 15m, 1h, 1d or integer milliseconds)`);
  }
  if (ms < min || ms > MAX_INTERVAL_MS) throw invalid(field, `must be between ${min}ms and 366d`);
  return ms;
}

/** An IANA zone name the runtime knows; `Intl` refuses anything else (paths, offsets it cannot read). */
export function assertTimeZone(zone: string, field = 'timezone'): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw invalid(field, `"${zone.slice(0, 100)}" is not an IANA time zone (e.g. Europe/Paris, America/New_York, UTC)`);
  }
}

/**
 * Turns what a caller sent into a stored spec, or refuses it naming the field. Cron is the
 * classic five fields (croner's `5-part` mode): a sixth, seconds field would sync every second.
 */
export function normaliseSchedule(input: ScheduleInput): ScheduleSpec {
  if ((input.every === undefined) === (input.cron === undefined)) {
    throw invalid(input.every === undefined ? 'every' : 'cron', 'a schedule needs exactly one of `every` (e.g. 15m) and `cron`');
  }
  const spec: ScheduleSpec = { jitterMs: input.jitter === undefined ? 0 : boundedDuration('jitter', input.jitter, 0), enabled: input.enabled ?? true };
  if (input.timezone !== undefined) assertTimeZone(input.timezone);
  if (input.every !== undefined) {
    spec.intervalMs = boundedDuration('every', input.every, MIN_INTERVAL_MS);
  } else {
    spec.cron = input.cron!.trim();
    spec.timezone = input.timezone;
    cronAfter(spec.cron, spec.timezone, Date.now());
  }
  return spec;
}

function cronAfter(pattern: string, timezone: string | undefined, after: number): number {
  let next: Date | null;
  try {
    if (timezone !== undefined) assertTimeZone(timezone);
    next = new Cron(pattern, { paused: true, timezone, mode: '5-part' }).nextRun(new Date(after));
  } catch (err) {
    if (err instanceof ConnectorError) throw err;
    throw invalid('cron', `"${pattern.slice(0, 100)}" is not a five-field cron expression (minute hour day month weekday): ${(err as Error).message}`);
  }
  if (!next) throw invalid('cron', `"${pattern.slice(0, 100)}" never fires again`);
  return next.getTime();
}

const jitter = (ms: number, random: () => number) => (ms > 0 ? Math.floor(random() * ms) : 0);

/** The first occurrence of a new schedule: an interval runs soon, a cron at its next time. */
export function firstRun(spec: ScheduleSpec, now: number, random: () => number = Math.random): number {
  const base = spec.cron ? cronAfter(spec.cron, spec.timezone, now) : now;
  return base + jitter(spec.jitterMs ?? 0, random);
}

/** The occurrence after one claimed at `now`; never in the past, so downtime does not queue a burst. */
export function nextRun(s: Pick<Schedule, 'intervalMs' | 'cron' | 'timezone' | 'jitterMs'>, now: number, random: () => number = Math.random): number {
  // Rows stored before validation existed may hold anything: refuse them here rather than store a date out of range.
  if (!s.cron && s.intervalMs !== undefined && !(s.intervalMs >= MIN_INTERVAL_MS && s.intervalMs <= MAX_INTERVAL_MS)) {
    throw invalid('every', `stored interval ${s.intervalMs}ms is outside ${MIN_INTERVAL_MS}ms..366d`);
  }
  if (!(s.jitterMs >= 0 && s.jitterMs <= MAX_INTERVAL_MS)) throw invalid('jitter', `stored jitter ${s.jitterMs}ms is outside 0..366d`);
  const base = s.cron ? cronAfter(s.cron, s.timezone, now) : now + (s.intervalMs ?? 60_000);
  return base + jitter(s.jitterMs, random);
}

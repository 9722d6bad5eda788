/** When a schedule next fires: a fixed interval or a cron expression, plus random jitter. */
import { Cron } from 'croner';
import { ConnectorError } from '../errors.js';
import { parseDuration } from '../manifest/durations.js';
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

const MIN_INTERVAL_MS = 1000;

export function normaliseSchedule(input: ScheduleInput): ScheduleSpec {
  if ((input.every === undefined) === (input.cron === undefined)) {
    throw new ConnectorError({ kind: 'validation', message: 'a schedule needs exactly one of `every` (e.g. 15m) and `cron`' });
  }
  const spec: ScheduleSpec = { jitterMs: input.jitter === undefined ? 0 : parseDuration(input.jitter), enabled: input.enabled ?? true };
  if (input.every !== undefined) {
    spec.intervalMs = parseDuration(input.every);
    if (spec.intervalMs < MIN_INTERVAL_MS) {
      throw new ConnectorError({ kind: 'validation', message: `schedule interval must be at least ${MIN_INTERVAL_MS}ms` });
    }
  } else {
    spec.cron = input.cron!.trim();
    spec.timezone = input.timezone;
    cronAfter(spec.cron, spec.timezone, Date.now());
  }
  return spec;
}

function cronAfter(pattern: string, timezone: string | undefined, after: number): number {
  let job: Cron;
  try {
    job = new Cron(pattern, { paused: true, timezone });
  } catch (err) {
    throw new ConnectorError({ kind: 'validation', message: `invalid cron expression "${pattern}": ${(err as Error).message}` });
  }
  const next = job.nextRun(new Date(after));
  if (!next) throw new ConnectorError({ kind: 'validation', message: `cron expression "${pattern}" never fires again` });
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
  const base = s.cron ? cronAfter(s.cron, s.timezone, now) : now + (s.intervalMs ?? 60_000);
  return base + jitter(s.jitterMs, random);
}

/**
 * Retention of history: webhook events and bodies, outbound deliveries and sync runs are
 * deleted once past their window, by a purge that `serve` runs periodically (a worker
 * like the others, started and stopped with them) and `patchbay purge` runs on demand.
 * Without it every unauthenticated delivery would be kept forever.
 *
 * Windows come from the options, else PATCHBAY_RETENTION_PROCESSED_DAYS (default 30) and
 * PATCHBAY_RETENTION_REJECTED_DAYS (default 7); PATCHBAY_RETENTION_INTERVAL_MINUTES
 * (default 60) spaces the runs.
 */
import { ConnectorError } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/log.js';
import { RetentionRepo, type PurgeOptions, type PurgeReport, type RetentionWindows } from '../store/retention.js';
import type { Store } from '../store/store.js';

const DAY_MS = 86_400_000;

export interface RetentionOptions {
  /** Days a processed event, a delivered delivery, a finished sync run is kept; default 30. */
  processedDays?: number;
  /** Days a rejected event, a failed event, a dead delivery is kept; default 7. */
  rejectedDays?: number;
  /** Minutes between purges of the worker; default 60. */
  intervalMinutes?: number;
  /** Rows per delete statement; default 500. */
  batchSize?: number;
}

export const DEFAULT_RETENTION = { processedDays: 30, rejectedDays: 7, intervalMinutes: 60 } as const;

export interface Retention {
  readonly windows: RetentionWindows;
  readonly intervalMs: number;
  purge(opts?: PurgeOptions): Promise<PurgeReport>;
  /** Runs a purge now and then every interval, until `stop`. */
  start(): void;
  stop(): Promise<void>;
  readonly started: boolean;
}

function positive(value: number | string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new ConnectorError({ kind: 'config', origin: 'caller', message: `${name} must be a positive number of ${name.toLowerCase().includes('minutes') ? 'minutes' : 'days'}, not "${value}"` });
  return n;
}

/** Options with the environment filled in where an option is absent; bad values are a config error naming the variable. */
export function retentionOptions(opts: RetentionOptions = {}, env: NodeJS.ProcessEnv = process.env): Required<Omit<RetentionOptions, 'batchSize'>> & { batchSize?: number } {
  return {
    processedDays: positive(opts.processedDays, 'retention.processedDays') ?? positive(env.PATCHBAY_RETENTION_PROCESSED_DAYS, 'PATCHBAY_RETENTION_PROCESSED_DAYS') ?? DEFAULT_RETENTION.processedDays,
    rejectedDays: positive(opts.rejectedDays, 'retention.rejectedDays') ?? positive(env.PATCHBAY_RETENTION_REJECTED_DAYS, 'PATCHBAY_RETENTION_REJECTED_DAYS') ?? DEFAULT_RETENTION.rejectedDays,
    intervalMinutes: positive(opts.intervalMinutes, 'retention.intervalMinutes') ?? positive(env.PATCHBAY_RETENTION_INTERVAL_MINUTES, 'PATCHBAY_RETENTION_INTERVAL_MINUTES') ?? DEFAULT_RETENTION.intervalMinutes,
    ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
  };
}

export function createRetention(store: Store, options: RetentionOptions = {}, logger: Logger = silentLogger): Retention {
  const o = retentionOptions(options);
  const repo = new RetentionRepo(store);
  const windows: RetentionWindows = { processedMs: o.processedDays * DAY_MS, rejectedMs: o.rejectedDays * DAY_MS };
  const intervalMs = o.intervalMinutes * 60_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let controller: AbortController | undefined;

  const purge = (p: PurgeOptions = {}) => repo.purge(windows, { batchSize: o.batchSize, ...p });
  const tick = () => {
    timer = undefined;
    running = purge({ signal: controller!.signal })
      .then((report) => {
        if (report.total) logger.info({ deleted: report.deleted, total: report.total }, 'retention: purged rows past their window');
      })
      .catch((err: unknown) => logger.warn({ err: { message: (err as Error).message } }, 'retention: purge failed; trying again next interval'))
      .finally(() => {
        running = undefined;
        if (controller && !controller.signal.aborted) {
          timer = setTimeout(tick, intervalMs);
          timer.unref();
        }
      });
  };

  return {
    windows,
    intervalMs,
    purge,
    get started() {
      return controller !== undefined;
    },
    start() {
      if (controller) return;
      controller = new AbortController();
      tick();
    },
    async stop() {
      if (!controller) return;
      controller.abort();
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
      controller = undefined;
    },
  };
}

/**
 * Runs due syncs. Each tick claims due schedules through the store's atomic claim (see
 * store/schedules.ts), so any number of processes can run a scheduler on one database and
 * each occurrence runs once; the stream lease taken by the runner keeps a stream from
 * overlapping itself even with a manual sync in flight.
 */
import { isConnectorError } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/log.js';
import { LeaseLoop } from '../workers/lease-loop.js';
import type { SchedulesRepo, ClaimedSchedule } from '../store/schedules.js';
import type { RunsRepo, SyncRun } from '../store/runs.js';
import type { Store } from '../store/store.js';
import type { SyncRunner } from './runner.js';
import { nextRun } from './timing.js';

export interface SchedulerOptions {
  /** How often to look for due schedules. Default 1s. */
  pollMs?: number;
  /** Schedules claimed per tick. Default 10. */
  batch?: number;
  /** Most syncs this process runs at once. Default 4. */
  concurrency?: number;
  random?: () => number;
}

export interface SchedulerDeps {
  store: Store;
  schedules: SchedulesRepo;
  runs: RunsRepo;
  runner: SyncRunner;
  owner: string;
  leaseMs: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export class Scheduler {
  private readonly batch: number;
  private readonly random: () => number;
  private readonly loop: LeaseLoop<ClaimedSchedule, SyncRun | undefined>;

  constructor(private readonly d: SchedulerDeps, opts: SchedulerOptions = {}) {
    this.batch = opts.batch ?? 10;
    this.random = opts.random ?? Math.random;
    const logger = (d.logger ?? silentLogger) as Logger;
    this.loop = new LeaseLoop({
      name: 'scheduler',
      concurrency: opts.concurrency ?? 4,
      pollMs: opts.pollMs ?? 1000,
      // Claims and starts without waiting for the syncs, so a long run does not hold up others.
      claim: (free) => this.claim(free),
      handle: (s) => this.runOne(s),
      renew: { everyMs: Math.floor(d.leaseMs / 3), lease: (s) => this.d.schedules.renewLease(s.id, this.d.owner, this.d.store.now() + this.d.leaseMs) },
      logger,
    });
  }

  get running(): boolean {
    return this.loop.started;
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming and waits for the syncs already started to finish. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /**
   * One pass: close runs abandoned by dead processes, claim what is due (up to free
   * capacity), and start those syncs. Resolves when the syncs it started have finished.
   */
  async tick(): Promise<SyncRun[]> {
    return (await this.loop.runOnce()).filter((r): r is SyncRun => r !== undefined);
  }

  private async claim(free: number): Promise<ClaimedSchedule[]> {
    await this.d.runs.closeExpired();
    return this.d.schedules.claimDue({
      owner: this.d.owner,
      now: this.d.store.now(),
      limit: Math.min(this.batch, free),
      leaseMs: this.d.leaseMs,
      nextAfter: (s, now) => nextRun(s, now, this.random),
      onInvalid: (s, err) => this.d.logger?.error({ schedule: s.id, connection: s.connectionId, stream: s.stream, err: errorInfo(err) }, 'schedule switched off: its stored spec cannot run'),
    });
  }

  private async runOne(s: ClaimedSchedule): Promise<SyncRun | undefined> {
    let run: SyncRun | undefined;
    try {
      run = await this.d.runner.sync({ tenant: s.tenant, id: s.connectionId }, s.stream, { trigger: 'schedule' });
      this.d.logger?.info({ run: run.id, connection: s.connectionId, stream: s.stream, status: run.status }, 'scheduled sync finished');
    } catch (err) {
      // A stream already syncing (a manual run) or a disconnected connection: skip this occurrence.
      this.d.logger?.warn({ connection: s.connectionId, stream: s.stream, err: errorInfo(err) }, 'scheduled sync not started');
    } finally {
      await this.d.schedules.release(s.id, this.d.owner, run ? { id: run.id, at: this.d.store.now() } : undefined).catch(() => undefined);
    }
    return run;
  }
}

function errorInfo(err: unknown): Record<string, unknown> {
  return isConnectorError(err) ? err.toJSON() : { message: err instanceof Error ? err.message : String(err) };
}

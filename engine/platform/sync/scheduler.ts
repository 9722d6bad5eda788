/**
 * Runs due syncs. Each tick claims due schedules through the store's atomic claim (see
 * store/schedules.ts), so any number of processes can run a scheduler on one database and
 * each occurrence runs once; the stream lease taken by the runner keeps a stream from
 * overlapping itself even with a manual sync in flight.
 */
import { isConnectorError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
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
  private timer?: NodeJS.Timeout;
  private inFlight = new Set<Promise<unknown>>();
  private ticking?: Promise<SyncRun[]>;
  private stopped = true;
  private readonly pollMs: number;
  private readonly batch: number;
  private readonly concurrency: number;
  private readonly random: () => number;

  constructor(private readonly d: SchedulerDeps, opts: SchedulerOptions = {}) {
    this.pollMs = opts.pollMs ?? 1000;
    this.batch = opts.batch ?? 10;
    this.concurrency = opts.concurrency ?? 4;
    this.random = opts.random ?? Math.random;
  }

  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      // Claims and starts without waiting for the syncs, so a long run does not hold up others.
      this.ticking = this.claimAndStart().then(() => [], (err) => {
        this.d.logger?.error({ err: errorInfo(err) }, 'scheduler tick failed');
        return [];
      });
      void this.ticking.finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.pollMs);
      });
    };
    loop();
  }

  /** Stops claiming and waits for the syncs already started to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * One pass: close runs abandoned by dead processes, claim what is due (up to free
   * capacity), and start those syncs. Resolves when the syncs it started have finished.
   */
  async tick(): Promise<SyncRun[]> {
    const results = await Promise.all(await this.claimAndStart());
    return results.filter((r): r is SyncRun => r !== undefined);
  }

  private async claimAndStart(): Promise<Array<Promise<SyncRun | undefined>>> {
    await this.d.runs.closeExpired();
    const free = Math.min(this.batch, this.concurrency - this.inFlight.size);
    if (free <= 0) return [];
    const claimed = await this.d.schedules.claimDue({
      owner: this.d.owner,
      now: this.d.store.now(),
      limit: free,
      leaseMs: this.d.leaseMs,
      nextAfter: (s, now) => nextRun(s, now, this.random),
      onInvalid: (s, err) => this.d.logger?.error({ schedule: s.id, connection: s.connectionId, stream: s.stream, err: errorInfo(err) }, 'schedule switched off: its stored spec cannot run'),
    });
    return claimed.map((s) => this.track(this.runOne(s)));
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  private async runOne(s: ClaimedSchedule): Promise<SyncRun | undefined> {
    const renew = setInterval(() => {
      void this.d.schedules.renewLease(s.id, this.d.owner, this.d.store.now() + this.d.leaseMs).catch(() => undefined);
    }, Math.max(50, Math.floor(this.d.leaseMs / 3)));
    renew.unref();
    let run: SyncRun | undefined;
    try {
      run = await this.d.runner.sync({ tenant: s.tenant, id: s.connectionId }, s.stream, { trigger: 'schedule' });
      this.d.logger?.info({ run: run.id, connection: s.connectionId, stream: s.stream, status: run.status }, 'scheduled sync finished');
    } catch (err) {
      // A stream already syncing (a manual run) or a disconnected connection: skip this occurrence.
      this.d.logger?.warn({ connection: s.connectionId, stream: s.stream, err: errorInfo(err) }, 'scheduled sync not started');
    } finally {
      clearInterval(renew);
      await this.d.schedules.release(s.id, this.d.owner, run ? { id: run.id, at: this.d.store.now() } : undefined).catch(() => undefined);
    }
    return run;
  }
}

function errorInfo(err: unknown): Record<string, unknown> {
  return isConnectorError(err) ? err.toJSON() : { message: err instanceof Error ? err.message : String(err) };
}

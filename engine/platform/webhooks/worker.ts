/**
 * The processing loop: claim due events (up to `concurrency` in flight), process each under
 * a renewed lease, then mark it processed, schedule a retry with exponential backoff, or
 * fail it once its attempts are spent. Claims are leases in the table, so several processes
 * can run workers side by side, and events a crashed process held come back when its lease
 * runs out.
 */
import { isConnectorError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { ClaimedEvent, WebhookEventsRepo } from './events-store.js';
import { PermanentFailure } from './process.js';

export interface WorkerOptions {
  /** Events processed at once; default 4. */
  concurrency?: number;
  /** How long a claim lasts without renewal; default 60s. */
  leaseMs?: number;
  /** How often to look for due events (retries, other processes' intake); default 1s. */
  pollMs?: number;
  /** Attempts before an event is marked failed; default 8. */
  maxAttempts?: number;
  /** Backoff after the first failure, doubled each time; default 1s. */
  retryBaseMs?: number;
  /** Longest backoff; default 1h. */
  retryMaxMs?: number;
  /** Jitter source in [0, 1); tests pin it. */
  random?: () => number;
}

export interface WorkerDeps {
  repo: WebhookEventsRepo;
  process(ev: ClaimedEvent): Promise<unknown>;
  owner: string;
  now(): number;
  logger: Logger;
}

const MAX_ERROR = 2000;

export class WebhookWorker {
  readonly concurrency: number;
  readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly maxAttempts: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;
  private running = false;
  private loopDone: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private kicked = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly d: WorkerDeps, opts: WorkerOptions = {}) {
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.pollMs = opts.pollMs ?? 1000;
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 8);
    this.baseMs = opts.retryBaseMs ?? 1000;
    this.maxMs = opts.retryMaxMs ?? 3_600_000;
    this.random = opts.random ?? Math.random;
  }

  get started(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stops claiming and waits for the events in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loopDone;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Something became due (an event was stored, a slot freed): look now rather than at the next poll. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /** Processes everything due now, one claim at a time, without the loop; returns how many. */
  async drain(): Promise<number> {
    let n = 0;
    for (;;) {
      const claimed = await this.d.repo.claimDue(this.d.owner, this.concurrency, this.leaseMs);
      if (claimed.length === 0) return n;
      await Promise.all(claimed.map((ev) => this.handle(ev)));
      n += claimed.length;
    }
  }

  private async loop(): Promise<void> {
    while (this.running) {
      this.kicked = false;
      const free = this.concurrency - this.inFlight.size;
      let claimed = 0;
      if (free > 0) {
        try {
          const events = await this.d.repo.claimDue(this.d.owner, free, this.leaseMs);
          claimed = events.length;
          for (const ev of events) this.track(this.handle(ev));
        } catch (err) {
          this.d.logger.error({ err: { message: (err as Error).message } }, 'webhook worker could not claim events');
        }
      }
      if (!this.running) break;
      if ((claimed === 0 || this.inFlight.size >= this.concurrency) && !this.kicked) await this.sleep();
    }
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => {
      this.inFlight.delete(p);
      this.kick();
    });
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, this.pollMs);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  backoffMs(attempts: number): number {
    const full = Math.min(this.maxMs, this.baseMs * 2 ** Math.max(0, attempts - 1));
    // Equal jitter: at least half the backoff, so retries of a burst spread out but never bunch at zero.
    return Math.round(full / 2 + (full / 2) * this.random());
  }

  /** Processes one claimed event and records the outcome; never throws. */
  async handle(ev: ClaimedEvent): Promise<void> {
    const renew = setInterval(() => {
      void this.d.repo.renew(ev.id, ev.token, this.leaseMs).catch(() => undefined);
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    renew.unref();
    try {
      await this.d.process(ev);
      if (!(await this.d.repo.complete(ev.id, ev.token))) this.lost(ev);
    } catch (err) {
      await this.failed(ev, err).catch((e) => this.d.logger.error({ event: ev.id, err: { message: (e as Error).message } }, 'could not record a webhook failure'));
    } finally {
      clearInterval(renew);
    }
  }

  private async failed(ev: ClaimedEvent, err: unknown): Promise<void> {
    const message = (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR);
    const log = { event: ev.id, connector: ev.connector, connection: ev.connectionId, type: ev.type, attempts: ev.attempts, kind: isConnectorError(err) ? err.kind : undefined, error: message };
    if (err instanceof PermanentFailure || ev.attempts >= this.maxAttempts) {
      this.d.logger.warn(log, 'webhook event failed');
      if (!(await this.d.repo.fail(ev.id, ev.token, message))) this.lost(ev);
      return;
    }
    const at = this.d.now() + this.backoffMs(ev.attempts);
    this.d.logger.info({ ...log, retryAt: new Date(at).toISOString() }, 'webhook event will be retried');
    if (!(await this.d.repo.retryAt(ev.id, ev.token, message, at))) this.lost(ev);
  }

  private lost(ev: ClaimedEvent): void {
    this.d.logger.warn({ event: ev.id }, 'webhook event lease was lost before its outcome was recorded; another worker owns it now');
  }
}

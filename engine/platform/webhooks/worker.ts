/**
 * The processing loop: claim due events (up to `concurrency` in flight), process each under
 * a renewed lease, then mark it processed, schedule a retry with exponential backoff, or
 * fail it once its attempts are spent. Claims are leases in the table, so several processes
 * can run workers side by side, and events a crashed process held come back when its lease
 * runs out.
 */
import { isConnectorError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { ClaimedEvent, WebhookEventsRepo } from '../store/webhook-events.js';
import { PermanentFailure } from './process.js';
import { LeaseLoop } from '../workers/lease-loop.js';

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
  private readonly maxAttempts: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;
  private readonly loop: LeaseLoop<ClaimedEvent>;

  constructor(private readonly d: WorkerDeps, opts: WorkerOptions = {}) {
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 8);
    this.baseMs = opts.retryBaseMs ?? 1000;
    this.maxMs = opts.retryMaxMs ?? 3_600_000;
    this.random = opts.random ?? Math.random;
    this.loop = new LeaseLoop({
      name: 'webhooks',
      concurrency: this.concurrency,
      pollMs: opts.pollMs ?? 1000,
      claim: (free) => this.d.repo.claimDue(this.d.owner, free, this.leaseMs),
      handle: (ev) => this.handle(ev),
      renew: { everyMs: Math.floor(this.leaseMs / 3), lease: (ev) => this.d.repo.renew(ev.id, ev.token, this.leaseMs) },
      logger: d.logger,
    });
  }

  get started(): boolean {
    return this.loop.started;
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming and waits for the events in flight. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Something became due (an event was stored, a slot freed): look now rather than at the next poll. */
  kick(): void {
    this.loop.kick();
  }

  /** Processes an event claimed outside the loop (a replay), its lease renewed meanwhile. */
  async runClaimed(ev: ClaimedEvent): Promise<void> {
    await this.loop.run(ev);
  }

  /** Processes everything due now, one claim at a time, without the loop; returns how many. */
  drain(): Promise<number> {
    return this.loop.drain();
  }

  backoffMs(attempts: number): number {
    const full = Math.min(this.maxMs, this.baseMs * 2 ** Math.max(0, attempts - 1));
    // Equal jitter: at least half the backoff, so retries of a burst spread out but never bunch at zero.
    return Math.round(full / 2 + (full / 2) * this.random());
  }

  /** Processes one claimed event (its lease renewed by the loop) and records the outcome; never throws. */
  async handle(ev: ClaimedEvent): Promise<void> {
    try {
      await this.d.process(ev);
      if (!(await this.d.repo.complete(ev.id, ev.token))) this.lost(ev);
    } catch (err) {
      await this.failed(ev, err).catch((e) => this.d.logger.error({ event: ev.id, err: { message: (e as Error).message } }, 'could not record a webhook failure'));
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

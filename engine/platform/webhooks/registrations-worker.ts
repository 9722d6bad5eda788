/**
 * The durable job behind `webhooks.subscriptions`: renewals falling due, and the
 * unsubscribes and token revocations a disconnect left owed. Rows are claimed from the
 * database with a lease (the shared LeaseLoop), so any number of processes may run it and
 * each due row is worked by one of them; nothing waits in an in-memory timer, and a row a
 * dead process held comes back when its lease runs out.
 */
import type { Logger } from '../../core/log.js';
import type { ClaimedProviderSubscription } from '../store/provider-subscriptions.js';
import type { Settlement } from '../store/provider-subscriptions.js';
import { LeaseLoop } from '../workers/lease-loop.js';
import { work, type RegistrationDeps } from './registrations.js';

export interface RegistrationWorkerOptions {
  /** Longest sleep between claims when nothing is due sooner; default 30s. */
  pollMs?: number;
  /** Rows worked at once; default 4. */
  concurrency?: number;
  /** How long a claim lasts without a heartbeat; default 2 min (a request's retries fit well inside). */
  leaseMs?: number;
}

export class RegistrationWorker {
  private readonly loop: LeaseLoop<ClaimedProviderSubscription, Settlement>;
  readonly leaseMs: number;

  constructor(deps: RegistrationDeps & { owner: string; logger: Logger }, opts: RegistrationWorkerOptions = {}) {
    this.leaseMs = opts.leaseMs ?? 120_000;
    this.loop = new LeaseLoop({
      name: 'provider-subscriptions',
      concurrency: opts.concurrency ?? 4,
      pollMs: opts.pollMs ?? 30_000,
      claim: (free) => deps.subs.claim(deps.owner, free, this.leaseMs),
      handle: (row) => work(deps, row),
      renew: { everyMs: this.leaseMs / 3, lease: (row) => deps.subs.renewLease(row.id, row.claim, deps.now() + this.leaseMs) },
      nextDueInMs: () => deps.subs.nextDueInMs(),
      logger: deps.logger,
    });
  }

  get started(): boolean {
    return this.loop.started;
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** New work was recorded (a disconnect): claim now rather than at the next poll. */
  kick(): void {
    if (this.loop.started) this.loop.kick();
  }

  /** Works every row due now, without the background loop; resolves with how many. */
  drain(): Promise<number> {
    return this.loop.drain();
  }

  /** One claim up to the free slots; resolves with each claimed row's outcome. */
  runOnce(): Promise<Array<Settlement | undefined>> {
    return this.loop.runOnce();
  }
}

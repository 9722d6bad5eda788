/**
 * The delivery loop. Rows are claimed by lease, so any number of processes can run it
 * against one database: a process that dies mid-attempt leaves a lease that expires, and
 * another picks the row up again (at-least-once; receivers deduplicate on `webhook-id`).
 * It wakes at once when this process queues something, otherwise when the next row falls
 * due or at the polling interval, whichever comes first (another process may have queued).
 */
import http from 'node:http';
import https from 'node:https';
import type { Logger } from '../../core/log.js';
import type { Store } from '../store/store.js';
import type { ClaimedDelivery, DeliveriesRepo } from '../store/deliveries.js';
import { nextWait } from './schedule.js';
import { sendAttempt, type AttemptResult } from './send.js';
import { secretKey, signedHeaders } from './signing.js';
import type { SubscriptionsRepo } from '../store/subscriptions.js';
import { LeaseLoop } from '../workers/lease-loop.js';

/** What the worker needs of the outbound guard (engine/run/http/outbound-guard.ts provides it). */
export interface DeliveryGuard {
  checkUrl(url: string): Promise<void>;
  guardAgent<A extends http.Agent>(agent: A): A;
}

export interface WorkerSettings {
  schedule: readonly number[];
  jitter: number;
  timeoutMs: number;
  leaseMs: number;
  pollMs: number;
  concurrency: number;
  owner: string;
  userAgent: string;
}

export interface WorkerDeps {
  store: Store;
  deliveries: DeliveriesRepo;
  subscriptions: SubscriptionsRepo;
  guard: DeliveryGuard;
  logger: Logger;
}

export class DeliveryWorker {
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly loop: LeaseLoop<ClaimedDelivery>;

  constructor(private readonly deps: WorkerDeps, private readonly s: WorkerSettings) {
    this.agents = {
      http: deps.guard.guardAgent(new http.Agent({ keepAlive: true, maxSockets: s.concurrency })),
      https: deps.guard.guardAgent(new https.Agent({ keepAlive: true, maxSockets: s.concurrency })),
    };
    // No lease renewal: an attempt is bounded by its timeout, well inside the lease.
    this.loop = new LeaseLoop({
      name: 'deliveries',
      concurrency: s.concurrency,
      pollMs: s.pollMs,
      claim: (free) => this.deps.deliveries.claim(this.s.owner, free, this.s.leaseMs),
      handle: (d) => this.attempt(d),
      nextDueInMs: async () => {
        const due = await this.deps.deliveries.nextDue();
        return due === undefined ? undefined : due - this.deps.store.now();
      },
      logger: deps.logger,
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming, waits for attempts in flight (each bounded by the timeout), closes sockets. */
  async stop(): Promise<void> {
    await this.loop.stop();
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** Something was queued: look now rather than at the next poll. */
  wake(): void {
    this.loop.kick();
  }

  /**
   * One pass: claims what is due (up to the free slots) and sends it. Resolves with the number
   * claimed once those attempts have finished. Works whether or not the loop is started.
   */
  async runOnce(): Promise<number> {
    return (await this.loop.runOnce()).length;
  }

  private async attempt(d: ClaimedDelivery): Promise<void> {
    const startedAt = this.deps.store.now();
    let result: AttemptResult;
    try {
      const key = secretKey(this.deps.subscriptions.open(d.subscriptionId, d.sealedSecret));
      // The signed timestamp is the wall clock: receivers check it against theirs.
      const headers = signedHeaders(key, d.eventId, Math.floor(Date.now() / 1000), d.payload);
      result = await sendAttempt(d.url, headers, d.payload, { timeoutMs: this.s.timeoutMs, agents: this.agents, userAgent: this.s.userAgent });
    } catch (err) {
      result = { ok: false, durationMs: 0, error: (err as Error).message };
    }
    const failures = d.cycleAttempts + 1;
    const wait = result.ok ? undefined : nextWait(this.s.schedule, failures, { retryAfterMs: result.retryAfterMs, jitter: this.s.jitter });
    try {
      const kept = await this.deps.deliveries.finish(d, {
        startedAt,
        durationMs: result.durationMs,
        statusCode: result.statusCode,
        response: result.response,
        error: result.error,
        ok: result.ok,
        nextAttemptAt: wait === undefined ? undefined : this.deps.store.now() + wait,
      });
      const fields = { delivery: d.id, subscription: d.subscriptionId, tenant: d.tenant, attempt: d.attempt, status: result.statusCode, ms: result.durationMs };
      if (!kept) this.deps.logger.warn(fields, 'delivery attempt outcome dropped: the row was deleted or its lease taken over');
      else if (result.ok) this.deps.logger.debug(fields, 'delivered');
      else if (wait === undefined) this.deps.logger.warn({ ...fields, error: result.error }, 'delivery dead-lettered after its last retry');
      else this.deps.logger.info({ ...fields, error: result.error, retryInMs: wait }, 'delivery attempt failed; will retry');
    } catch (err) {
      // The lease will expire and the row be tried again: at-least-once, never lost.
      this.deps.logger.error({ delivery: d.id, err: (err as Error).message }, 'recording a delivery attempt failed');
    }
  }
}

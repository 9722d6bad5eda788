/**
 * The one claim loop behind every background worker (webhook events, outbound deliveries,
 * scheduled syncs, provider subscriptions' renewals and teardowns). Work is claimed from the
 * database with a lease, so any number of processes can run the same worker: what a dead
 * process held comes back when its lease expires. The loop keeps at most `concurrency` items in flight, heartbeats the lease of each
 * while it runs, claims again as soon as a slot frees or new work is announced (`kick`), and
 * otherwise polls, sooner when the claimer knows when the next item falls due.
 */
import type { Logger } from '../../core/log.js';

export interface LeaseLoopSpec<T, R> {
  /** Names the worker in its log lines. */
  name: string;
  concurrency: number;
  pollMs: number;
  /** Claims up to `free` due items, each under a lease held by this process. */
  claim(free: number): Promise<T[]>;
  /** Works one claimed item and records its outcome. A throw is logged; the lease then expires and the item is claimed again. */
  handle(item: T): Promise<R>;
  /** Keeps the lease of an item being handled; called every `everyMs` until it is done. */
  renew?: { everyMs: number; lease(item: T): Promise<unknown> };
  /** Milliseconds until the next item falls due, when the claimer can tell; the loop sleeps no longer. */
  nextDueInMs?(): Promise<number | undefined>;
  logger: Logger;
}

export class LeaseLoop<T, R = void> {
  private running = false;
  private looping: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private kicked = false;
  private readonly inFlight = new Set<Promise<R | undefined>>();

  constructor(private readonly spec: LeaseLoopSpec<T, R>) {}

  get started(): boolean {
    return this.running;
  }

  get busy(): number {
    return this.inFlight.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.looping = this.loop();
  }

  /** Stops claiming and waits for the items in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.looping;
    this.looping = undefined;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Something became due (work stored, a slot freed): claim now rather than at the next poll. */
  kick(): void {
    this.kicked = true;
    this.wakeUp?.();
  }

  /**
   * One claim up to the free slots, without the loop; resolves once those items are done, with
   * one entry per item claimed (undefined where handling threw).
   */
  async runOnce(): Promise<Array<R | undefined>> {
    return Promise.all(await this.claimAndStart(this.spec.concurrency - this.inFlight.size));
  }

  /** Works an item claimed outside the loop (a replay), with its lease kept like any other. */
  run(item: T): Promise<R | undefined> {
    return this.track(this.work(item));
  }

  /** Claims and works until nothing is due; resolves with how many items were worked. */
  async drain(): Promise<number> {
    let n = 0;
    for (;;) {
      const started = await this.claimAndStart(this.spec.concurrency);
      if (started.length === 0) return n;
      await Promise.all(started);
      n += started.length;
    }
  }

  private async loop(): Promise<void> {
    while (this.running) {
      this.kicked = false;
      const free = this.spec.concurrency - this.inFlight.size;
      let claimed = 0;
      if (free > 0) {
        try {
          claimed = (await this.claimAndStart(free)).length;
        } catch (err) {
          this.spec.logger.error({ worker: this.spec.name, err: { message: (err as Error).message } }, 'worker could not claim; trying again at the next poll');
        }
      }
      if (!this.running) break;
      if (this.kicked) continue;
      // Every free slot filled: more may be due. A full loop is woken by the next item to finish.
      if (claimed > 0 && claimed === free && this.inFlight.size < this.spec.concurrency) continue;
      await this.sleep(this.inFlight.size >= this.spec.concurrency ? this.spec.pollMs : await this.delay());
    }
  }

  private async delay(): Promise<number> {
    if (!this.spec.nextDueInMs) return this.spec.pollMs;
    try {
      const due = await this.spec.nextDueInMs();
      return due === undefined ? this.spec.pollMs : Math.min(this.spec.pollMs, Math.max(0, due));
    } catch {
      return this.spec.pollMs;
    }
  }

  private async claimAndStart(free: number): Promise<Array<Promise<R | undefined>>> {
    if (free <= 0) return [];
    const items = await this.spec.claim(free);
    return items.map((item) => this.track(this.work(item)));
  }

  private async work(item: T): Promise<R | undefined> {
    const renew = this.spec.renew;
    const timer = renew && setInterval(() => {
      void renew.lease(item).catch(() => undefined);
    }, Math.max(50, renew.everyMs));
    timer?.unref();
    try {
      return await this.spec.handle(item);
    } catch (err) {
      this.spec.logger.error({ worker: this.spec.name, err: { message: (err as Error).message } }, 'worker failed an item; its lease will expire and it will be claimed again');
      return undefined;
    } finally {
      if (timer) clearInterval(timer);
    }
  }

  private track(p: Promise<R | undefined>): Promise<R | undefined> {
    this.inFlight.add(p);
    void p.finally(() => {
      this.inFlight.delete(p);
      this.kick();
    });
    return p;
  }

  private sleep(ms: number): Promise<void> {
    // A kick or a stop that came while the delay was being worked out (nextDueInMs queries
    // the database) found no sleep to cut short: honour it now, not a poll later.
    if (this.kicked || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wakeUp = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      t.unref?.();
      this.wakeUp = done;
    });
  }
}

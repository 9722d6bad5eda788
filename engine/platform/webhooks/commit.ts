/**
 * Group commit: deliveries that arrive while a commit is in flight wait and go together in
 * the next transaction, so under load one commit carries many events, and with no load a
 * delivery commits at once (no timer adds latency). Each caller's promise settles only
 * after the transaction holding its rows has committed: nothing is acknowledged early.
 */
import type { DeliveryResult, NewDelivery, WebhookEventsRepo } from '../store/webhook-events.js';

interface Waiting {
  delivery: NewDelivery;
  resolve(r: DeliveryResult): void;
  reject(err: unknown): void;
}

export class GroupCommitter {
  private queue: Waiting[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly repo: WebhookEventsRepo,
    /** Events per transaction at most; the rest wait for the next one. */
    private readonly maxBatch = 500,
  ) {}

  submit(delivery: NewDelivery): Promise<DeliveryResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ delivery, resolve, reject });
      if (!this.flushing) this.flushing = this.drain();
    });
  }

  /** Resolves once everything submitted so far has been committed (or refused). */
  async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        const batch = this.take();
        await this.commit(batch);
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private take(): Waiting[] {
    let events = 0;
    let n = 0;
    while (n < this.queue.length && (n === 0 || events + this.queue[n].delivery.events.length <= this.maxBatch)) {
      events += this.queue[n].delivery.events.length;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async commit(batch: Waiting[]): Promise<void> {
    try {
      const results = await this.repo.commit(batch.map((w) => w.delivery));
      batch.forEach((w, i) => w.resolve(results[i]));
    } catch (err) {
      if (batch.length === 1) {
        batch[0].reject(err);
        return;
      }
      // One bad delivery must not sink the others: commit each on its own.
      for (const w of batch) await this.commit([w]);
    }
  }
}

/**
 * Webhook-triggered syncs of one stream, coalesced: while a run is in progress, every event
 * asking for a sync shares one follow-up run that starts when it ends. Each caller gets a
 * run that started after it asked, so its change is seen, and a burst of events costs two
 * syncs, not one per event.
 */
import type { SyncRun } from '../store/runs.js';

interface Slot {
  queued?: { promise: Promise<SyncRun>; resolve(r: SyncRun): void; reject(e: unknown): void };
}

export class SyncCoalescer {
  private readonly slots = new Map<string, Slot>();

  request(key: string, start: () => Promise<SyncRun>): Promise<SyncRun> {
    const slot = this.slots.get(key);
    if (!slot) {
      const fresh: Slot = {};
      this.slots.set(key, fresh);
      return this.launch(key, fresh, start);
    }
    if (!slot.queued) {
      let resolve!: (r: SyncRun) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<SyncRun>((res, rej) => { resolve = res; reject = rej; });
      slot.queued = { promise, resolve, reject };
    }
    return slot.queued.promise;
  }

  private launch(key: string, slot: Slot, start: () => Promise<SyncRun>): Promise<SyncRun> {
    const run = Promise.resolve().then(start);
    void run.then(() => undefined, () => undefined).then(() => {
      const next = slot.queued;
      if (!next) {
        this.slots.delete(key);
        return;
      }
      slot.queued = undefined;
      this.launch(key, slot, start).then(next.resolve, next.reject);
    });
    return run;
  }
}

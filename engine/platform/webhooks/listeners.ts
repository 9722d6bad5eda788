/**
 * In-process listeners for normalized events. A listener's failure (thrown or rejected) is
 * logged and does not fail the event: it is the host's code, and a retry would repeat the
 * event to every other listener too.
 */
import type { Logger } from '../../core/log.js';
import type { NormalizedEvent } from './types.js';

export type EventListener = (event: NormalizedEvent) => void | Promise<void>;

export class EventListeners {
  private readonly fns = new Set<EventListener>();

  constructor(private readonly logger: Logger) {}

  add(fn: EventListener): () => void {
    this.fns.add(fn);
    return () => {
      this.fns.delete(fn);
    };
  }

  notify(event: NormalizedEvent): void {
    const onError = (err: unknown) =>
      this.logger.warn({ event: event.id, type: event.type, err: { message: (err as Error)?.message ?? String(err) } }, 'webhook event listener failed');
    for (const fn of [...this.fns]) {
      try {
        const r = fn(event);
        if (r && typeof (r as Promise<void>).then === 'function') (r as Promise<void>).catch(onError);
      } catch (err) {
        onError(err);
      }
    }
  }
}

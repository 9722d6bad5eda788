/**
 * Client-side rate limiting per key: a sliding-window request budget, a concurrency cap and a
 * pause learned from the provider's remaining/reset headers. Waiters are served strictly in
 * arrival order, and nothing polls: a blocked queue sleeps on one timer or on a release.
 */
import { ConnectorError } from '../../core/errors.js';
import type { PlanRateLimit } from '../../plan/plan.js';
import type { InboundResponse } from '../../core/wire.js';

export type Release = () => void;

export interface AcquireOptions {
  signal?: AbortSignal;
  /** Fail at once (kind rate_limited) rather than wait out a provider pause longer than this. */
  maxWaitMs?: number;
}

interface Waiter {
  resolve: (release: Release) => void;
  reject: (err: unknown) => void;
  maxWaitMs?: number;
  cleanup?: () => void;
}

export function headerValue(headers: InboundResponse['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function pauseError(waitMs: number): ConnectorError {
  return new ConnectorError({
    kind: 'rate_limited', origin: 'provider',
    message: `provider rate limit exhausted; resets in ${Math.ceil(waitMs / 1000)}s`,
    retryable: true,
    retryAfterMs: waitMs,
  });
}

export class RateLimiter {
  private readonly starts: number[] = [];
  private inFlight = 0;
  private pausedUntil = 0;
  private readonly queue: Waiter[] = [];
  private timer?: NodeJS.Timeout;
  private timerAt = 0;

  constructor(readonly config: PlanRateLimit) {}

  /** Resolves with a release function once a slot is free; call it when the response is in. */
  acquire(opts: AcquireOptions = {}): Promise<Release> {
    const pause = this.pausedUntil - Date.now();
    if (opts.maxWaitMs !== undefined && pause > opts.maxWaitMs) return Promise.reject(pauseError(pause));
    if (opts.signal?.aborted) return Promise.reject(new ConnectorError({ kind: 'network', origin: 'caller', message: 'request aborted' }));
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, maxWaitMs: opts.maxWaitMs };
      if (opts.signal) {
        const signal = opts.signal;
        const onAbort = () => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          reject(new ConnectorError({ kind: 'network', origin: 'caller', message: 'request aborted' }));
          this.pump();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.cleanup = () => signal.removeEventListener('abort', onAbort);
      }
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** Learn from a response: remaining 0 holds every call of this key until the reset. */
  observe(headers: InboundResponse['headers'], now = Date.now()): void {
    const { remainingHeader, resetHeader } = this.config;
    if (!remainingHeader) return;
    const remaining = Number(headerValue(headers, remainingHeader));
    if (!Number.isFinite(remaining) || remaining > 0) return;
    const until = this.resetTime(resetHeader ? headerValue(headers, resetHeader) : undefined, now);
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    const wait = until - now;
    for (const w of [...this.queue]) {
      if (w.maxWaitMs !== undefined && wait > w.maxWaitMs) {
        this.queue.splice(this.queue.indexOf(w), 1);
        w.cleanup?.();
        w.reject(pauseError(wait));
      }
    }
    this.pump();
  }

  /** Milliseconds until calls may start again, 0 when not paused. */
  pausedForMs(now = Date.now()): number {
    return Math.max(0, this.pausedUntil - now);
  }

  get stats(): { inFlight: number; queued: number } {
    return { inFlight: this.inFlight, queued: this.queue.length };
  }

  private resetTime(raw: string | undefined, now: number): number {
    const n = Number(raw);
    // Without a usable reset the provider still said "none left": wait out one window.
    if (raw === undefined || raw === '' || !Number.isFinite(n)) return now + (this.config.perMs ?? 1000);
    switch (this.config.resetFormat) {
      case 'epoch_ms': return n;
      case 'seconds': return now + n * 1000;
      default: return n * 1000;
    }
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const now = Date.now();
      if (this.pausedUntil > now) return this.wakeAt(this.pausedUntil);
      const { concurrency, requests, perMs } = this.config;
      if (concurrency !== undefined && this.inFlight >= concurrency) return; // a release pumps again
      if (requests !== undefined && perMs !== undefined) {
        while (this.starts.length > 0 && this.starts[0] <= now - perMs) this.starts.shift();
        if (this.starts.length >= requests) return this.wakeAt(this.starts[0] + perMs);
      }
      const w = this.queue.shift()!;
      w.cleanup?.();
      this.inFlight++;
      if (requests !== undefined && perMs !== undefined) this.starts.push(now);
      let released = false;
      w.resolve(() => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.pump();
      });
    }
  }

  private wakeAt(at: number): void {
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.max(1, at - Date.now()));
  }
}

/** One limiter per key, created on first use with the first config seen for that key. */
export class RateLimiterRegistry {
  private readonly limiters = new Map<string, RateLimiter>();

  get(key: string, config: PlanRateLimit): RateLimiter {
    let l = this.limiters.get(key);
    if (!l) {
      l = new RateLimiter(config);
      this.limiters.set(key, l);
    }
    return l;
  }

  get size(): number {
    return this.limiters.size;
  }
}

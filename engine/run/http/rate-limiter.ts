/**
 * Client-side rate limiting per key: a sliding-window request budget, a concurrency cap and a
 * pause learned from the provider's remaining/reset headers. Waiters are served strictly in
 * arrival order, and nothing polls: a blocked queue sleeps on one timer or on a release.
 */
import { ConnectorError } from '../../core/errors.js';
import type { PlanRateLimit } from '../../plan/plan.js';
import type { InboundResponse } from '../../core/wire.js';
import { resolveSlots, SlotCache, type RateSlotsOption, type RateSlotSource, type SlotBudget } from './rate-slots.js';

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

function budgetError(waitMs: number, w: { requests: number; perMs: number }): ConnectorError {
  return new ConnectorError({
    kind: 'rate_limited', origin: 'manifest',
    message: `the request budget of ${w.requests} per ${formatWindow(w.perMs)} is spent; the next slot frees in ${Math.ceil(waitMs / 1000)}s, longer than max_wait`,
    retryable: true,
    retryAfterMs: waitMs,
  });
}

function formatWindow(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** A sliding window: the start times of the calls it still counts; with a shared source, the slots held of it. */
interface Window {
  requests: number;
  perMs: number;
  starts: number[];
  slots?: SlotCache;
}

function sharedFailure(err: unknown): ConnectorError {
  return new ConnectorError({
    kind: 'internal', origin: 'internal',
    message: `the shared request budget could not be read: ${err instanceof Error ? err.message : String(err)}`,
    retryable: true,
  });
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
  private readonly windows: Window[];
  /** Calls the bucket still holds, as of `tokensAt`. */
  private tokens = 0;
  private tokensAt = 0;
  private inFlight = 0;
  private pausedUntil = 0;
  private readonly queue: Waiter[] = [];
  private timer?: NodeJS.Timeout;
  private timerAt = 0;
  private readonly shared: boolean;

  /** `shared`: the other processes' counts too, for every window (see rate-slots.ts). */
  constructor(readonly config: PlanRateLimit, shared?: { source: RateSlotSource; budget: SlotBudget }) {
    const { requests, perMs } = config;
    this.windows = [
      ...(requests !== undefined && perMs !== undefined ? [{ requests, perMs }] : []),
      ...(config.budgets ?? []),
    ].map((w) => ({ ...w, starts: [], ...(shared ? { slots: new SlotCache(shared.source, shared.budget, w) } : {}) }));
    this.shared = shared !== undefined && this.windows.length > 0;
    if (config.bucket) {
      this.tokens = config.bucket.size;
      this.tokensAt = Date.now();
    }
  }

  /** Bucket level now, refilled for the time since it was last read. */
  private level(now: number): number {
    const b = this.config.bucket!;
    this.tokens = Math.min(b.size, this.tokens + ((now - this.tokensAt) * b.refill) / b.perMs);
    this.tokensAt = now;
    return this.tokens;
  }

  /**
   * A call counts in each window from its grant until a window after its response, not after
   * its grant: the provider counts it when it arrives, which may be well after the grant (a
   * cold socket, a busy event loop), and a window counted from the grant would let the next
   * call through before the provider's own window has room. Every start is at most `at`, so
   * the moved one goes to the end and the starts stay in order.
   */
  private recountAt(grantedAt: number, at: number): void {
    for (const w of this.windows) {
      const i = w.starts.indexOf(grantedAt);
      if (i >= 0) w.starts.splice(i, 1);
      w.starts.push(at);
    }
  }

  /** The window that is full for longest, with the time its oldest call leaves it; undefined when every window has room. */
  private fullest(now: number): { window: Window; freeAt: number } | undefined {
    let out: { window: Window; freeAt: number } | undefined;
    for (const w of this.windows) {
      // Starts are in order, so the expired ones are a prefix; one splice instead of a shift each.
      let i = 0;
      while (i < w.starts.length && w.starts[i] <= now - w.perMs) i++;
      if (i > 0) w.starts.splice(0, i);
      if (w.starts.length < w.requests) continue;
      const freeAt = w.starts[w.starts.length - w.requests] + w.perMs;
      if (!out || freeAt > out.freeAt) out = { window: w, freeAt };
    }
    return out;
  }

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

  /**
   * Learn from a response. With a bucket, the provider's remaining count (`remaining`, from
   * the manifest's expression) lowers the local level to it, so calls slow down before the
   * provider refuses them. Otherwise remaining 0 holds every call of this key until the reset.
   */
  observe(headers: InboundResponse['headers'], now = Date.now(), computed?: number): void {
    const { remainingHeader, resetHeader, bucket } = this.config;
    let remaining = computed;
    if (remaining === undefined && remainingHeader) remaining = Number(headerValue(headers, remainingHeader));
    if (remaining === undefined || !Number.isFinite(remaining)) return;
    if (bucket) {
      // The provider counts calls of other clients too; never raise the level above ours.
      if (remaining < this.level(now)) this.tokens = Math.max(0, remaining);
      this.pump();
      return;
    }
    if (remaining > 0) return;
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
      const { concurrency } = this.config;
      if (concurrency !== undefined && this.inFlight >= concurrency) return; // a release pumps again
      const bucket = this.config.bucket;
      if (bucket && this.level(now) < 1) return this.wakeAt(now + Math.ceil(((1 - this.tokens) * bucket.perMs) / bucket.refill));
      const full = this.fullest(now);
      if (full) {
        // A spent daily budget would hold the call for hours: fail it now with the wait instead.
        const head = this.queue[0];
        if (head.maxWaitMs !== undefined && full.freeAt - now > head.maxWaitMs) {
          this.queue.shift();
          head.cleanup?.();
          head.reject(budgetError(full.freeAt - now, full.window));
          continue;
        }
        return this.wakeAt(full.freeAt);
      }
      if (this.shared) {
        const gate = this.sharedGate(now);
        if (gate === 'stop') return;
        if (gate === 'again') continue;
      }
      const w = this.queue.shift()!;
      w.cleanup?.();
      this.inFlight++;
      for (const win of this.windows) win.starts.push(now);
      if (bucket) this.tokens -= 1;
      let released = false;
      w.resolve(() => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.recountAt(now, Date.now());
        this.pump();
      });
    }
  }

  /**
   * The shared windows' say, once the local checks passed: go (a slot of each taken), stop
   * (a batch is on its way or the window is spent; a fill or the timer pumps again), or
   * again (the head was failed; look at the next).
   */
  private sharedGate(now: number): 'go' | 'stop' | 'again' {
    const head = this.queue[0];
    for (const w of this.windows) {
      const c = w.slots!;
      const s = c.state(now);
      if (s.kind === 'ready') continue;
      if (s.kind === 'filling') return 'stop';
      if (s.kind === 'failed') {
        // Fail closed: sending without the shared count could overrun the provider's budget.
        c.clearError();
        this.reject(sharedFailure(s.error));
        return 'again';
      }
      if (s.kind === 'spent') {
        if (head.maxWaitMs !== undefined && s.until - now > head.maxWaitMs) {
          this.reject(budgetError(s.until - now, w));
          return 'again';
        }
        this.wakeAt(s.until);
        return 'stop';
      }
      c.fill(this.queue.length, this.room(now), () => this.pump());
      return 'stop';
    }
    for (const w of this.windows) w.slots!.consume();
    return 'go';
  }

  /** Calls that could start now by the local windows, the bucket and the concurrency cap: no use taking more slots than this. */
  private room(now: number): number {
    let room = Infinity;
    for (const w of this.windows) room = Math.min(room, w.requests - w.starts.length);
    if (this.config.concurrency !== undefined) room = Math.min(room, this.config.concurrency - this.inFlight);
    if (this.config.bucket) room = Math.min(room, Math.floor(this.level(now)));
    return Math.max(1, room);
  }

  private reject(err: ConnectorError): void {
    const head = this.queue.shift()!;
    head.cleanup?.();
    head.reject(err);
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

/**
 * One limiter per key, created on first use with the first config seen for that key. With a
 * shared slot source, each limiter's windows count the other processes' calls too.
 */
export class RateLimiterRegistry {
  private readonly limiters = new Map<string, RateLimiter>();

  constructor(private readonly slots?: RateSlotsOption) {}

  /** `tenant`: whose budget a connection's key is, for the shared source (none for a connector-wide key). */
  get(key: string, config: PlanRateLimit, tenant?: string): RateLimiter {
    let l = this.limiters.get(key);
    if (!l) {
      const source = resolveSlots(this.slots);
      l = new RateLimiter(config, source ? { source, budget: { key, ...(tenant !== undefined ? { tenant } : {}) } } : undefined);
      this.limiters.set(key, l);
    }
    return l;
  }

  get size(): number {
    return this.limiters.size;
  }
}

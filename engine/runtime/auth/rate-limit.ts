/**
 * Inbound rate limit: one token bucket per key (an API key id, or a source address before
 * authentication), in this process's memory. Several server processes each enforce it on
 * their own share of the traffic, which is the usual trade for not putting a database write
 * on every request. Memory is bounded: past `maxKeys` buckets the least recently used goes
 * (a forgotten key starts again with a full bucket, which errs on the caller's side).
 */
export interface RateLimitOptions {
  /** Sustained requests per second per key. Default 50. */
  perSecond?: number;
  /** Requests a key may make at once after being idle. Default 100. */
  burst?: number;
  /** Most buckets kept. Default 10,000. */
  maxKeys?: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Seconds until a token is available (only when refused). */
  retryAfterSeconds?: number;
  remaining: number;
}

export class KeyRateLimiter {
  readonly perSecond: number;
  readonly burst: number;
  readonly maxKeys: number;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(opts: RateLimitOptions = {}, private readonly now: () => number = () => performance.now()) {
    this.perSecond = opts.perSecond ?? 50;
    this.burst = opts.burst ?? 100;
    this.maxKeys = opts.maxKeys ?? 10_000;
    if (!(this.perSecond > 0) || !(this.burst >= 1) || !(this.maxKeys >= 1)) throw new RangeError('rate limit needs perSecond > 0, burst >= 1 and maxKeys >= 1');
  }

  get size(): number {
    return this.buckets.size;
  }

  /** The key's bucket brought up to date, and moved to the most recently used end. */
  private bucket(key: string): { tokens: number; at: number } {
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.burst, at: t };
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
    } else {
      this.buckets.delete(key);
      b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
      b.at = t;
    }
    this.buckets.set(key, b);
    return b;
  }

  /** Whether `take` would be refused now, without spending (and the wait when it would). */
  peek(key: string): RateDecision {
    if (!this.buckets.has(key)) return { allowed: true, remaining: this.burst };
    const b = this.bucket(key);
    if (b.tokens >= 1) return { allowed: true, remaining: Math.floor(b.tokens) };
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond)) };
  }

  take(key: string): RateDecision {
    const b = this.bucket(key);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true, remaining: Math.floor(b.tokens) };
    }
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond)) };
  }
}

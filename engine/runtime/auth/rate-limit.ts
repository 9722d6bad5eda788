/**
 * Inbound rate limit: one token bucket per API key, in this process's memory. Several
 * server processes each enforce it on their own share of the traffic, which is the usual
 * trade for not putting a database write on every request.
 */
export interface RateLimitOptions {
  /** Sustained requests per second per key. Default 50. */
  perSecond?: number;
  /** Requests a key may make at once after being idle. Default 100. */
  burst?: number;
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
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(opts: RateLimitOptions = {}, private readonly now: () => number = () => performance.now()) {
    this.perSecond = opts.perSecond ?? 50;
    this.burst = opts.burst ?? 100;
    if (!(this.perSecond > 0) || !(this.burst >= 1)) throw new RangeError('rate limit needs perSecond > 0 and burst >= 1');
  }

  take(key: string): RateDecision {
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.burst, at: t };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
      b.at = t;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true, remaining: Math.floor(b.tokens) };
    }
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond)) };
  }
}

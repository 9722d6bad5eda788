/**
 * Token buckets keyed by a string, with a bounded number of keys. The keys of a limit on
 * unauthenticated traffic are chosen by the sender (an address, a connection id in a
 * URL), so the map must not grow with them: past `maxKeys` the least recently used bucket
 * is dropped. A dropped key starts again with a full bucket, which only ever errs towards
 * letting a request through; memory stays `maxKeys` buckets whatever is sent.
 */
export interface BucketOptions {
  /** Sustained requests per second per key. */
  perSecond: number;
  /** Requests a key may make at once after being idle. */
  burst: number;
  /** Most keys remembered at once; default 10 000. */
  maxKeys?: number;
}

export interface BucketDecision {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until a token is available (only when refused). */
  retryAfterSeconds?: number;
}

export const DEFAULT_MAX_KEYS = 10_000;

export class TokenBuckets {
  readonly perSecond: number;
  readonly burst: number;
  readonly maxKeys: number;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(opts: BucketOptions, private readonly now: () => number = () => performance.now()) {
    this.perSecond = opts.perSecond;
    this.burst = opts.burst;
    this.maxKeys = opts.maxKeys ?? DEFAULT_MAX_KEYS;
    if (!(this.perSecond > 0) || !(this.burst >= 1)) throw new RangeError('a rate limit needs perSecond > 0 and burst >= 1');
    if (!Number.isInteger(this.maxKeys) || this.maxKeys < 1) throw new RangeError('a rate limit needs maxKeys >= 1');
  }

  get size(): number {
    return this.buckets.size;
  }

  /** The decision for `key`, without taking a token. */
  peek(key: string): BucketDecision {
    return this.decide(key, false);
  }

  take(key: string): BucketDecision {
    return this.decide(key, true);
  }

  private decide(key: string, take: boolean): BucketDecision {
    const t = this.now();
    let b = this.buckets.get(key);
    if (b) {
      // Re-inserting keeps the Map in least-recently-used order for eviction.
      this.buckets.delete(key);
      b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
      b.at = t;
    } else {
      b = { tokens: this.burst, at: t };
      while (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
    }
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      if (take) b.tokens -= 1;
      return { allowed: true, remaining: Math.floor(b.tokens) };
    }
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond)) };
  }
}

/**
 * The slot cache behind rate budgets shared across processes (issue 14 item 2): batches that
 * grow while they are used up and shrink when they expire unused, slots that cannot be used
 * past the time their grant allows, and limiters of two "processes" drawing on one source.
 * The source here keeps its counts in memory with the platform's own grant rule
 * (engine/platform/store/rate-slots.ts), so the limiter is tested against what PostgreSQL does.
 */
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../engine/core/errors.js';
import { RateLimiter } from '../../engine/run/http/rate-limiter.js';
import { SlotCache, type RateSlotSource, type SlotGrant } from '../../engine/run/http/rate-slots.js';
import { decide, slotTiming } from '../../engine/platform/store/rate-slots.js';
import type { PlanRateLimit } from '../../engine/plan/plan.js';

/** Grants whatever is asked, until `expiresIn` after the ask; records each ask's n. */
function generous(clock: { t: number }, expiresIn = 100) {
  const asked: number[] = [];
  const source: RateSlotSource = { take: async (_b, _w, n) => (asked.push(n), { granted: n, expiresAtMs: clock.t + expiresIn }) };
  return { source, asked };
}

const settle = () => new Promise((r) => setImmediate(r));

async function fillAndWait(cache: SlotCache, demand: number, room = 1000): Promise<void> {
  let done = false;
  cache.fill(demand, room, () => (done = true));
  while (!done) await settle();
}

describe('SlotCache', () => {
  it('asks for one slot first, doubles while batches are used up, up to a tenth of the window', async () => {
    const clock = { t: 0 };
    const { source, asked } = generous(clock);
    const cache = new SlotCache(source, { key: 'connection:c1', tenant: 'acme' }, { requests: 100, perMs: 1000 }, () => clock.t);
    expect(cache.cap).toBe(10);
    for (let i = 0; i < 6; i++) {
      await fillAndWait(cache, 1);
      while (cache.state().kind === 'ready') cache.consume();
    }
    expect(asked).toEqual([1, 2, 4, 8, 10, 10]);
  });

  it('asks for the waiting calls at once, but never more than could start or than the cap', async () => {
    const clock = { t: 0 };
    const { source, asked } = generous(clock);
    const cache = new SlotCache(source, { key: 'k' }, { requests: 100, perMs: 1000 }, () => clock.t);
    await fillAndWait(cache, 7, 1000);
    expect(cache.held()).toBe(7);
    while (cache.state().kind === 'ready') cache.consume();
    await fillAndWait(cache, 50, 3);
    expect(asked).toEqual([7, 3]);
    const small = new SlotCache(source, { key: 'k2' }, { requests: 5, perMs: 1000 }, () => clock.t);
    expect(small.cap).toBe(1);
  });

  it('drops slots at the time the grant allows, and asks for fewer after a batch expired unused', async () => {
    const clock = { t: 0 };
    const { source, asked } = generous(clock, 100);
    const cache = new SlotCache(source, { key: 'k' }, { requests: 100, perMs: 1000 }, () => clock.t);
    await fillAndWait(cache, 8);
    cache.consume();
    clock.t = 99;
    expect(cache.held()).toBe(7);
    clock.t = 100;
    // Past the grant's end the slots are gone, however many were left: no hoarding into the next window.
    expect(cache.held()).toBe(0);
    expect(cache.state()).toEqual({ kind: 'empty' });
    await fillAndWait(cache, 1);
    expect(asked).toEqual([8, 5]);
  });

  it('a spent window waits until the source says; a failed take is reported once, then asked again', async () => {
    const clock = { t: 1000 };
    let answer: () => Promise<SlotGrant> = async () => ({ granted: 0, retryAtMs: 1500 });
    const source: RateSlotSource = { take: () => answer() };
    const cache = new SlotCache(source, { key: 'k' }, { requests: 10, perMs: 1000 }, () => clock.t);
    await fillAndWait(cache, 1);
    expect(cache.state()).toEqual({ kind: 'spent', until: 1500 });
    cache.fill(1, 1, () => undefined);
    expect(cache.takes).toBe(1);
    clock.t = 1500;
    expect(cache.state()).toEqual({ kind: 'empty' });
    answer = async () => { throw new Error('connection refused'); };
    await fillAndWait(cache, 1);
    expect(cache.state()).toMatchObject({ kind: 'failed', error: new Error('connection refused') });
    cache.clearError();
    expect(cache.state()).toEqual({ kind: 'empty' });
  });
});

/** One budget's counts in memory, decided by the platform's rule; records grants. */
function sharedSource() {
  const rows = new Map<string, Array<[number, number]>>();
  const source: RateSlotSource = {
    async take(budget, window, n) {
      const id = `${budget.tenant ?? ''}|${budget.key}|${window.perMs}`;
      const out = decide(rows.get(id) ?? [], window.requests, window.perMs, n, Date.now());
      rows.set(id, out.buckets);
      return { granted: out.take.granted, expiresAtMs: out.take.expiresAt, retryAtMs: out.take.retryAt };
    },
  };
  return source;
}

const config = (rl: Partial<PlanRateLimit>): PlanRateLimit => ({ scope: 'connection', resetFormat: 'epoch_seconds', ...rl });

describe('limiters of several processes on one source', () => {
  it('together never start more calls in a window than the budget, and wait rather than fail', async () => {
    const source = sharedSource();
    const budget = { key: 'connection:c1', tenant: 'acme' };
    const rl = config({ requests: 4, perMs: 300 });
    const processes = [new RateLimiter(rl, { source, budget }), new RateLimiter(rl, { source, budget })];
    const starts: number[] = [];
    await Promise.all(
      processes.flatMap((l) => Array.from({ length: 6 }, async () => {
        const release = await l.acquire({ maxWaitMs: 5000 });
        starts.push(Date.now());
        release();
      })),
    );
    expect(starts).toHaveLength(12);
    starts.sort((a, b) => a - b);
    const span = 300 + slotTiming(300).holdMs;
    for (let i = 0; i + 4 < starts.length; i++) expect(starts[i + 4] - starts[i]).toBeGreaterThanOrEqual(span - 1);
  });

  it('alone, each limiter would have let all its calls through at once', async () => {
    const rl = config({ requests: 4, perMs: 300 });
    const [a, b] = [new RateLimiter(rl), new RateLimiter(rl)];
    const t0 = Date.now();
    await Promise.all([a, b].flatMap((l) => Array.from({ length: 4 }, () => l.acquire().then((release) => release()))));
    expect(Date.now() - t0).toBeLessThan(250);
  });

  it('a spent shared budget fails at once as rate_limited when the wait is longer than max_wait', async () => {
    const source = sharedSource();
    const budget = { key: 'connector:demo' };
    const rl = config({ requests: 10, perMs: 1000, budgets: [{ requests: 5, perMs: 3_600_000 }] });
    const [a, b] = [new RateLimiter(rl, { source, budget }), new RateLimiter(rl, { source, budget })];
    const results = await Promise.allSettled([a, b].flatMap((l) => Array.from({ length: 4 }, () => l.acquire({ maxWaitMs: 1000 }).then((release) => release()))));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as ConnectorError);
    expect(results.length - failed.length).toBe(5);
    expect(failed).toHaveLength(3);
    for (const e of failed) {
      expect(e.kind).toBe('rate_limited');
      expect(e.message).toContain('budget of 5 per 1h is spent');
      expect(e.retryAfterMs).toBeGreaterThan(3_500_000);
    }
  });

  it('fails a call when the source cannot be read, rather than send uncounted, and asks again for the next', async () => {
    let down = true;
    const inner = sharedSource();
    const source: RateSlotSource = { take: (b, w, n) => (down ? Promise.reject(new Error('database unavailable')) : inner.take(b, w, n)) };
    const l = new RateLimiter(config({ requests: 10, perMs: 1000 }), { source, budget: { key: 'k', tenant: 't' } });
    const err = (await l.acquire().catch((e: unknown) => e)) as ConnectorError;
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.kind).toBe('internal');
    expect(err.message).toBe('the shared request budget could not be read: database unavailable');
    down = false;
    const release = await l.acquire();
    release();
  });
});

describe('the grant rule', () => {
  it('counts a grant for the window plus the hold and margin, and says when the oldest leaves', () => {
    const perMs = 1000;
    const { holdMs, marginMs, bucketMs } = slotTiming(perMs);
    expect({ holdMs, marginMs, bucketMs }).toEqual({ holdMs: 100, marginMs: 50, bucketMs: 20 });
    let buckets: Array<[number, number]> = [];
    const take = (n: number, now: number) => {
      const out = decide(buckets, 3, perMs, n, now);
      buckets = out.buckets;
      return out.take;
    };
    expect(take(2, 10_005)).toEqual({ granted: 2, now: 10_005, expiresAt: 10_105 });
    expect(take(5, 10_500)).toEqual({ granted: 1, now: 10_500, expiresAt: 10_600 });
    expect(buckets).toEqual([[10_000, 2], [10_500, 1]]);
    // Spent: the first bucket leaves once it is wholly older than window + hold + margin.
    expect(take(1, 11_000)).toEqual({ granted: 0, now: 11_000, retryAt: 10_000 + 20 + 1150 });
    expect(take(1, 11_169).granted).toBe(0);
    expect(take(2, 11_170)).toEqual({ granted: 2, now: 11_170, expiresAt: 11_270 });
  });

  it('a day budget may hold its slots a minute, and allows a second for the provider to count', () => {
    expect(slotTiming(86_400_000)).toEqual({ holdMs: 60_000, marginMs: 1000, bucketMs: 1_728_000 });
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { getAuthStrategy } from '../../engine/components/auth/registry.js';
import type { AuthStrategy } from '../../engine/components/auth/types.js';
import { createHttpClient } from '../../engine/run/http/client.js';
import { executeRequest } from '../../engine/run/http/execute.js';
import { RateLimiter } from '../../engine/run/http/rate-limiter.js';
import type { OutboundRequest } from '../../engine/core/wire.js';
import type { PlanRateLimit } from '../../engine/plan/plan.js';
import { authContext, compileHttp, compileSnippet, type Block } from '../helpers/compiled.js';
import { serverPerTest, type Reply } from './server.js';

const client = createHttpClient();
const serve = serverPerTest();
afterAll(() => client.close());

/** The `rate_limit` block a connector author writes. */
const rateLimit = (block: Block): PlanRateLimit => compileHttp({ rate_limit: block }).rateLimit!;

function caller(url: string, rate_limit: Block, key: string, strategy: AuthStrategy = getAuthStrategy('none')) {
  const { http, method } = compileSnippet({ http: { rate_limit } });
  const conn = { connector: 'demo', id: key };
  return (path = '/x') => {
    const req: OutboundRequest = { method: 'GET', url: url + path, query: [], headers: {}, bodyFormat: 'none' };
    return executeRequest(req, {
      http, auth: { strategy, ctx: authContext(method, conn, client) },
      client, limiterKey: key, connector: 'demo', operation: 'stream:x',
    });
  };
}

describe('rate limiter', () => {
  it('never exceeds the concurrency cap with 50 concurrent calls', async () => {
    const s = await serve(() => ({ body: {}, delayMs: 15 }));
    const call = caller(s.url, { concurrency: 4 }, 'conc');
    await Promise.all(Array.from({ length: 50 }, () => call()));
    expect(s.seen).toHaveLength(50);
    expect(s.maxInFlight()).toBe(4);
  });

  it('never exceeds the request budget per window', async () => {
    const s = await serve(() => ({ body: {} }));
    // Auth runs right after the limiter grants a slot: record the grant times there.
    const granted: number[] = [];
    const recorder: AuthStrategy = { type: 'none', async apply() { granted.push(Date.now()); } };
    const call = caller(s.url, { requests: 5, per: '200ms' }, 'budget', recorder);
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 15 }, () => call()));
    expect(s.seen).toHaveLength(15);
    // Three windows' worth of calls need at least two full windows of waiting.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(granted).toHaveLength(15);
    // apply() runs a few microtasks after the grant, which under load can take a millisecond or two.
    for (let i = 5; i < granted.length; i++) expect(granted[i] - granted[i - 5]).toBeGreaterThanOrEqual(195);
    // At the server too: the i-th arrival is no earlier than a window after the (i−5)-th
    // grant. Arrivals only lag their grants, so a busy machine cannot make this fail; a
    // limiter letting a sixth call through early would.
    const arrived = s.seen.map((r) => r.at).sort((a, b) => a - b);
    for (let i = 5; i < arrived.length; i++) expect(arrived[i] - granted[i - 5]).toBeGreaterThanOrEqual(195);
  });

  it('holds every call of the key when the provider says none remain, until the reset', async () => {
    let resetAt = 0;
    const s = await serve((r): Reply => {
      if (r.path === '/first') {
        resetAt = Date.now() + 400;
        return { headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(resetAt) }, body: {} };
      }
      return { headers: { 'x-ratelimit-remaining': '10' }, body: {} };
    });
    const call = caller(s.url, { remaining_header: 'x-ratelimit-remaining', reset_header: 'x-ratelimit-reset', reset_format: 'epoch_ms' }, 'pause');
    await call('/first');
    await Promise.all(Array.from({ length: 5 }, () => call('/next')));
    const later = s.seen.filter((r) => r.path === '/next');
    expect(later).toHaveLength(5);
    for (const r of later) expect(r.at).toBeGreaterThanOrEqual(resetAt - 5);
  });

  it('serves waiters in arrival order', async () => {
    const limiter = new RateLimiter(rateLimit({ concurrency: 1 }));
    const order: number[] = [];
    await Promise.all(Array.from({ length: 10 }, async (_, i) => {
      const release = await limiter.acquire();
      order.push(i);
      await new Promise((r) => setTimeout(r, 1));
      release();
    }));
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(limiter.stats).toEqual({ inFlight: 0, queued: 0 });
  });

  it('refuses to wait out a pause longer than the allowed wait', async () => {
    const limiter = new RateLimiter(rateLimit({ remaining_header: 'rem', reset_header: 'reset', reset_format: 'seconds' }));
    limiter.observe({ rem: '0', reset: '30' });
    expect(limiter.pausedForMs()).toBeGreaterThan(29_000);
    const err = await limiter.acquire({ maxWaitMs: 1000 }).catch((e) => e);
    expect(err.kind).toBe('rate_limited');
    expect(err.retryAfterMs).toBeGreaterThan(29_000);
  });

  it('gives up a queued slot when the call is aborted', async () => {
    const limiter = new RateLimiter(rateLimit({ concurrency: 1 }));
    const first = await limiter.acquire();
    const ac = new AbortController();
    const waiting = limiter.acquire({ signal: ac.signal });
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ kind: 'network' });
    expect(limiter.stats.queued).toBe(0);
    first();
    const again = await limiter.acquire();
    again();
  });
});

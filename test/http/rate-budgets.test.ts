/**
 * Several request budgets at once (issue 13 item 3): Xero allows 60 calls a minute and 5,000
 * a day per tenant (https://developer.xero.com/documentation/guides/oauth2/limits/). Both
 * windows hold; a call that would wait longer than `retry.max_wait` for a slot fails at
 * once as `rate_limited` with the wait, instead of hanging for hours. Real requests to a
 * local server; the day is scaled down so the test runs in a second.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { getAuthStrategy } from '../../engine/components/auth/registry.js';
import type { AuthStrategy } from '../../engine/components/auth/types.js';
import { ConnectorError } from '../../engine/core/errors.js';
import { createHttpClient } from '../../engine/run/http/client.js';
import { executeRequest } from '../../engine/run/http/execute.js';
import type { OutboundRequest } from '../../engine/core/wire.js';
import { validateSource } from '../../engine/plan/index.js';
import { authContext, compileSnippet, type Block } from '../helpers/compiled.js';
import { BASE, FILE, edit } from '../manifest/fixtures.js';
import { serverPerTest, type Reply } from './server.js';

const client = createHttpClient();
const serve = serverPerTest();
afterAll(() => client.close());

function caller(url: string, http: Block, key: string) {
  const compiled = compileSnippet({ http });
  const granted: number[] = [];
  const recorder: AuthStrategy = { ...getAuthStrategy('none'), type: 'none', async apply() { granted.push(Date.now()); } };
  const call = () => {
    const req: OutboundRequest = { method: 'GET', url: `${url}/api.xro/2.0/Contacts`, query: [], headers: {}, bodyFormat: 'none' };
    return executeRequest(req, {
      http: compiled.http, auth: { strategy: recorder, ctx: authContext(compiled.method, { connector: 'demo', id: key }, client) },
      client, limiterKey: key, connector: 'demo', operation: 'stream:contacts',
    });
  };
  return { call, granted };
}

describe('request budgets', () => {
  it('Xero daily budget: the day window stops calls the minute window would allow, and says how long to wait', async () => {
    const s = await serve(() => ({ body: { Contacts: [] } }));
    // 60 a minute and "5,000 a day", scaled: 3 per 150 ms and 5 per 1.5 s; max_wait 400 ms.
    const { call, granted } = caller(s.url, { rate_limit: { requests: 3, per: '150ms', budgets: [{ requests: 5, per: '1500ms' }] }, retry: { max_wait: '400ms' } }, 'xero-day');
    const t0 = Date.now();
    const results = await Promise.allSettled(Array.from({ length: 7 }, () => call()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as ConnectorError);
    expect(s.seen).toHaveLength(5);
    expect(failed).toHaveLength(2);
    for (const e of failed) {
      expect(e.kind).toBe('rate_limited');
      expect(e.retryable).toBe(true);
      expect(e.message).toContain('budget of 5 per 1500ms is spent');
      expect(e.retryAfterMs).toBeGreaterThan(400);
      expect(e.retryAfterMs).toBeLessThanOrEqual(1500);
    }
    // The minute window still spaced the five: the 4th and 5th waited for it.
    expect(granted.slice(0, 3).every((t) => t - t0 < 100)).toBe(true);
    expect(granted[3] - granted[0]).toBeGreaterThanOrEqual(140);
    // Failing is prompt: nobody waited out the day.
    expect(Date.now() - t0).toBeLessThan(1400);
  });

  it('once the oldest call leaves the day window, calls flow again', async () => {
    const s = await serve(() => ({ body: {} }));
    const { call } = caller(s.url, { rate_limit: { budgets: [{ requests: 2, per: '300ms' }] }, retry: { max_wait: '1s' } }, 'refill');
    const t0 = Date.now();
    await Promise.all([call(), call(), call()]);
    expect(s.seen).toHaveLength(3);
    expect(s.seen[2].at - t0).toBeGreaterThanOrEqual(290);
  });

  it('a budget needs requests and per: the validator says so', () => {
    const src = edit(BASE, '  timeout: 10s\n', '  timeout: 10s\n  rate_limit:\n    budgets:\n      - { requests: 5000 }\n');
    const d = validateSource(src, FILE).diagnostics;
    expect(d.map((x) => [x.code, x.path])).toEqual([['missing-key', 'http.rate_limit.budgets.0']]);
  });
});

/**
 * Shopify's REST Admin API: a leaky bucket of 40 calls that drains 2 a second, reported on
 * every response as `X-Shopify-Shop-Api-Call-Limit: <used>/<size>`, and a 429 once it is
 * full (https://shopify.dev/docs/api/admin-rest/usage/rate-limits). The fake below keeps
 * that bucket (scaled: 4 calls, 20 a second) and counts calls other apps made before ours.
 */
function shopifyBucket(size: number, leakPerSec: number, usedByOthers: number) {
  let used = usedByOthers;
  let at = Date.now();
  let refused = 0;
  return {
    refused: () => refused,
    reply: (): Reply => {
      const now = Date.now();
      used = Math.max(0, used - ((now - at) / 1000) * leakPerSec);
      at = now;
      if (used + 1 > size) {
        refused++;
        return { status: 429, headers: { 'retry-after': '1', 'x-shopify-shop-api-call-limit': `${Math.ceil(used)}/${size}` }, body: { errors: 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.' } };
      }
      used += 1;
      return { body: { customers: [] }, headers: { 'x-shopify-shop-api-call-limit': `${Math.ceil(used)}/${size}` } };
    },
  };
}

const CALL_LIMIT = "$number($split($headers.`x-shopify-shop-api-call-limit`, '/')[1]) - $number($split($headers.`x-shopify-shop-api-call-limit`, '/')[0])";

describe('a leaky bucket kept in step with the provider', () => {
  it('Shopify call-limit header slowing the limiter: no 429 although other calls filled the bucket first', async () => {
    const bucket = shopifyBucket(4, 20, 3);
    const s = await serve(() => bucket.reply());
    const { call, granted } = caller(s.url, { rate_limit: { bucket: { size: 4, refill: 20, per: '1s' }, remaining: CALL_LIMIT, concurrency: 1 } }, 'shop-synced');
    for (let i = 0; i < 8; i++) await call();
    expect(bucket.refused()).toBe(0);
    expect(s.seen).toHaveLength(8);
    // One slot was free; the header said so, and the other seven waited for the leak (50 ms each).
    expect(granted[7] - granted[0]).toBeGreaterThanOrEqual(7 * 50 - 30);
  });

  it('without `remaining` the local bucket believes it is empty and the provider refuses (what the expression prevents)', async () => {
    const bucket = shopifyBucket(4, 20, 3);
    const s = await serve(() => bucket.reply());
    const { call } = caller(s.url, { rate_limit: { bucket: { size: 4, refill: 20, per: '1s' }, concurrency: 1 }, retry: { backoff: { initial: '5ms', max: '10ms' }, wait_headers: [] } }, 'shop-blind');
    for (let i = 0; i < 4; i++) await call().catch(() => undefined);
    expect(bucket.refused()).toBeGreaterThan(0);
  });
});

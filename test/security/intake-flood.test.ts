/**
 * An anonymous sender who knows a connection id floods the intake with forged deliveries
 * (64 KiB bodies, bad signatures) on the per-connection URL and the shared URL, from one
 * client over loopback. Past the per-address budget the answer is 429 problem+json with
 * Retry-After, and the database grows by a bounded amount per delivery that got through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIntakeWorld, type IntakeWorld } from '../deliveries/intake-fixtures.js';

const FLOOD = 320;
/** What one rejected delivery may cost in storage (rows, indexes, headers; no 64 KiB body). */
const BYTES_PER_REJECTED = 2048;
/**
 * A budget that refills slowly, so the flood outruns it however slow a loaded machine
 * makes each delivery (the defaults refill 50/s, which a slow run can keep pace with).
 */
const BUDGET = { perSecond: 1, burst: 100 };

describe('an unauthenticated flood of webhook intake', () => {
  let w: IntakeWorld;
  beforeAll(async () => {
    w = await startIntakeWorld({ webhookIntakeLimit: { perAddress: BUDGET, perConnection: { perSecond: 2, burst: 200 } } });
  }, 60_000);
  afterAll(async () => w?.close());

  async function dbBytes(): Promise<number> {
    const k = w.rt.running.platform.store.knex;
    const [{ page_count }] = await k.raw('PRAGMA page_count');
    const [{ page_size }] = await k.raw('PRAGMA page_size');
    return Number(page_count) * Number(page_size);
  }

  it('answers 429 past the budget, and storage stays bounded', async () => {
    const before = await dbBytes();
    const body = JSON.stringify({ action: 'opened', pad: 'x'.repeat(64 * 1024 - 40) });
    const started = performance.now();
    const statuses: number[] = [];
    const refusals: Response[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < FLOOD) {
        next++;
        const res = await fetch(`${w.rt.url}/v1/webhooks/github/${w.conns.github}`, {
          method: 'POST', body,
          headers: { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': `forged-${next}`, 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
        });
        statuses.push(res.status);
        if (res.status === 429) refusals.push(res);
        else await res.arrayBuffer();
      }
    }));
    const elapsed = (performance.now() - started) / 1000;
    const through = statuses.filter((s) => s !== 429).length;
    expect(refusals.length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 429 && s !== 401)).toEqual([]);
    const { perSecond, burst } = BUDGET;
    expect(through).toBeLessThanOrEqual(burst + Math.ceil(perSecond * elapsed) + 1);
    const r = refusals[0];
    expect(r.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await r.json()).toMatchObject({ status: 429, code: 'intake_rate_limited', type: 'urn:patchbay:problem:intake_rate_limited' });

    // The same client on the shared URL shares its address budget: a burst there is refused too.
    const shared = await Promise.all(Array.from({ length: 60 }, () =>
      fetch(`${w.rt.url}/v1/webhooks/stripe`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' } })
        .then(async (res) => { await res.arrayBuffer(); return res.status; })));
    expect(shared.filter((s) => s === 429).length).toBeGreaterThan(0);
    const sharedThrough = shared.filter((s) => s !== 429).length;

    // Rows and bytes: bounded by what got through, whatever the bodies held.
    const grown = (await dbBytes()) - before;
    expect(grown).toBeLessThanOrEqual((through + sharedThrough) * BYTES_PER_REJECTED + 256 * 1024);
  }, 120_000);
});

describe('the source address of the intake budget', () => {
  let w: IntakeWorld;
  beforeAll(async () => {
    w = await startIntakeWorld({ webhookIntakeLimit: { perAddress: { perSecond: 0.01, burst: 5 }, perConnection: { perSecond: 0.01, burst: 12 }, maxKeys: 8, trustedProxies: '10.9.9.9/32' } });
  }, 60_000);
  afterAll(async () => w?.close());

  const forged = (xff: string) => fetch(`${w.rt.url}/v1/webhooks/github/${w.conns.github}`, {
    method: 'POST', body: '{}', headers: { 'content-type': 'application/json', 'x-forwarded-for': xff, 'x-hub-signature-256': 'sha256=00' },
  }).then(async (r) => { await r.arrayBuffer(); return r.status; });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy, and remembers a bounded number of addresses', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push(await forged(`203.0.113.${i}`));
    expect(statuses.slice(0, 5).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(5)).toEqual([429, 429, 429, 429, 429]);
    expect(w.rt.running.app.runtime.services.intakeLimiter!.perAddress.size).toBeLessThanOrEqual(8);
  });
});

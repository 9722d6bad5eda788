/**
 * Issue 10, item 24: wrong API keys from one client used to be unlimited, each costing a
 * database lookup. Failed authentications are now limited per source address before the
 * key is looked up; forwarding headers count only from trusted proxies.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyRateLimiter } from '../../engine/runtime/auth/rate-limit.js';
import { addressKey, clientAddress, TrustedProxies } from '../../engine/runtime/auth/client-address.js';
import { startRuntime, type TestRuntime } from '../runtime/helpers.js';

/** Well-formed keys with random ids: each one makes the server read the api_keys table. */
const wrongKey = () => `pbk_${randomBytes(12).toString('base64url')}${randomBytes(32).toString('base64url')}`;

function countKeyLookups(rt: TestRuntime): () => number {
  let n = 0;
  rt.running.platform.store.knex.on('query', (q: { sql: string }) => {
    if (/\bapi_keys\b/.test(q.sql) && /^select/i.test(q.sql)) n++;
  });
  return () => n;
}

describe('failed authentications are limited per source address before the lookup', () => {
  let rt: TestRuntime | undefined;
  afterEach(async () => {
    await rt?.close();
    rt = undefined;
  });

  it('N wrong keys from one client: 401 up to the budget, then 429 with Retry-After, and no more lookups', async () => {
    rt = await startRuntime({ authFailureLimit: { burst: 20, perSecond: 0.01 } });
    const lookups = countKeyLookups(rt);
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await rt.call('GET', '/v1/connections', { key: wrongKey() })).status);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(40).fill(429));
    expect(lookups()).toBe(20);

    const limited = await rt.call('GET', '/v1/connections', { key: wrongKey() });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toContain('application/problem+json');
    expect(limited.body.code).toBe('auth_rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(lookups()).toBe(20);

    // Forwarding headers from an untrusted peer do not give the client a fresh address.
    const spoofed = await rt.call('GET', '/v1/connections', { key: wrongKey(), headers: { 'x-forwarded-for': '198.51.100.9' } });
    expect(spoofed.status).toBe(429);
    expect(lookups()).toBe(20);

    // Public routes (no key to look up) are not this limiter's business.
    expect((await rt.call('GET', '/healthz')).status).toBe(200);
  });

  it('behind a trusted proxy each forwarded client has its own budget', async () => {
    rt = await startRuntime({ authFailureLimit: { burst: 3, perSecond: 0.01 }, trustedProxies: '127.0.0.1/32, ::1' });
    const from = (ip: string) => rt!.call('GET', '/v1/connections', { key: wrongKey(), headers: { 'x-forwarded-for': `10.9.9.9, ${ip}` } });
    const a = [];
    for (let i = 0; i < 5; i++) a.push((await from('203.0.113.7')).status);
    expect(a).toEqual([401, 401, 401, 429, 429]);
    expect((await from('203.0.113.8')).status).toBe(401);
    // A valid key from the limited client waits too (the check comes before the lookup); others are served.
    const key = await rt.keyFor('acme');
    expect((await rt.call('GET', '/v1/connections', { key, headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(429);
    expect((await rt.call('GET', '/v1/connections', { key, headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(200);
  });

  it('the limiter keeps at most maxKeys buckets', () => {
    const limiter = new KeyRateLimiter({ burst: 1, perSecond: 0.001, maxKeys: 100 });
    for (let i = 0; i < 10_000; i++) limiter.take(`198.51.${i >> 8}.${i & 255}`);
    expect(limiter.size).toBe(100);
    // The most recent are the ones kept, still limited.
    expect(limiter.peek('198.51.39.15').allowed).toBe(false);
  });

  it('reads the client address from the socket unless the peer is a trusted proxy', () => {
    const key = (peer: string, xff: string, t: TrustedProxies) => addressKey(clientAddress(peer, xff, t));
    expect(key('::ffff:127.0.0.1', '203.0.113.1', TrustedProxies.none)).toBe('127.0.0.1');
    const proxies = TrustedProxies.parse('10.0.0.0/8,127.0.0.1');
    expect(key('127.0.0.1', '203.0.113.1, 10.1.2.3', proxies)).toBe('203.0.113.1');
    expect(key('127.0.0.1', 'garbage, 203.0.113.2', proxies)).toBe('203.0.113.2');
    expect(key('192.0.2.5', '203.0.113.1', proxies)).toBe('192.0.2.5');
    // One IPv6 subscriber's /64 is one budget.
    expect(key('2001:db8:1:2::5', '', TrustedProxies.none)).toBe(key('2001:db8:1:2::ffff', '', TrustedProxies.none));
    expect(() => TrustedProxies.parse('10.0.0.0/99')).toThrow(/PATCHBAY_TRUSTED_PROXIES/);
  });
});

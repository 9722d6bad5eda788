/**
 * API keys at rest and on use: only a SHA-256 is stored, a key with the right id but the
 * wrong secret is refused, revocation takes effect, admin keys (stored or from the
 * environment) span tenants. And the per-key token bucket refills at its rate.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../engine/runtime/auth/keys.js';
import { KeyRateLimiter } from '../../engine/runtime/auth/rate-limit.js';
import { openStore, type Store } from '../../engine/platform/store/store.js';
import { ApiKeysRepo } from '../../engine/platform/store/api-keys.js';

describe('API keys', () => {
  let dir: string;
  let store: Store;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-keys-'));
    store = await openStore(`sqlite:${path.join(dir, 'keys.db')}`);
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores only the hash and authenticates the key as its tenant', async () => {
    const keys = new ApiKeys(new ApiKeysRepo(store), { adminKey: '' });
    const { key, info } = await keys.create({ tenant: 'acme', name: 'ci' });
    const row = await store.knex('api_keys').where('id', info.id).first();
    expect(JSON.stringify(row)).not.toContain(key.slice(20));
    expect(row.hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(row.tenant).toBe('acme');
    expect(await keys.authenticate(key)).toEqual({ keyId: info.id, admin: false, tenant: 'acme' });
    expect((await keys.list({ tenant: 'acme' })).items).toEqual([expect.objectContaining({ id: info.id, prefix: key.slice(0, 12), admin: false })]);
    expect((await keys.list({ tenant: 'globex' })).items).toEqual([]);
  });

  it('refuses a key whose id part is right but whose secret is not', async () => {
    const keys = new ApiKeys(new ApiKeysRepo(store), { adminKey: '' });
    const { key } = await keys.create({ tenant: 'acme' });
    const last = key.at(-1) === 'A' ? 'B' : 'A';
    expect(await keys.authenticate(key.slice(0, -1) + last)).toBeUndefined();
    expect(await keys.authenticate(key.slice(0, -1))).toBeUndefined();
    expect(await keys.authenticate('')).toBeUndefined();
  });

  it('stops accepting a revoked key (at once here, within the cache time elsewhere)', async () => {
    const here = new ApiKeys(new ApiKeysRepo(store), { adminKey: '' });
    const elsewhere = new ApiKeys(new ApiKeysRepo(store), { adminKey: '', cacheMs: 0 });
    const { key, info } = await here.create({ tenant: 'acme' });
    expect(await here.authenticate(key)).toBeDefined();
    expect(await elsewhere.authenticate(key)).toBeDefined();
    expect(await here.revoke(info.id, { tenant: 'globex' })).toBe(false);
    expect(await here.revoke(info.id, { tenant: 'acme' })).toBe(true);
    expect(await here.authenticate(key)).toBeUndefined();
    expect(await elsewhere.authenticate(key)).toBeUndefined();
    expect(await here.revoke(info.id)).toBe(false);
  });

  it('makes admin keys that belong to no tenant, stored or from the environment', async () => {
    const keys = new ApiKeys(new ApiKeysRepo(store), { adminKey: 'env-admin-key-0123456789abcdef' });
    const { key, info } = await keys.create({ admin: true });
    expect(info).toMatchObject({ admin: true, tenant: undefined });
    expect(await keys.authenticate(key)).toEqual({ keyId: info.id, admin: true });
    expect(await keys.authenticate('env-admin-key-0123456789abcdef')).toEqual({ keyId: 'env-admin', admin: true });
    expect(await keys.authenticate('env-admin-key-0123456789abcdeX')).toBeUndefined();
    expect(() => new ApiKeys(new ApiKeysRepo(store), { adminKey: 'short' })).toThrow(/too short/);
    await expect(keys.create({ tenant: '*' })).rejects.toThrow(/invalid tenant/);
    await expect(keys.create({ tenant: 'acme', admin: true })).rejects.toThrow(/either/);
  });
});

describe('per-key rate limiter', () => {
  it('spends a burst, then refills at the sustained rate, per key', () => {
    let now = 0;
    const limiter = new KeyRateLimiter({ perSecond: 2, burst: 2 }, () => now);
    expect([limiter.take('a').allowed, limiter.take('a').allowed, limiter.take('a').allowed]).toEqual([true, true, false]);
    expect(limiter.take('a').retryAfterSeconds).toBe(1);
    expect(limiter.take('b').allowed).toBe(true);
    now = 499;
    expect(limiter.take('a').allowed).toBe(false);
    now = 1000;
    expect(limiter.take('a').allowed).toBe(true);
    now = 60_000;
    expect([limiter.take('a').allowed, limiter.take('a').allowed, limiter.take('a').allowed]).toEqual([true, true, false]);
    expect(() => new KeyRateLimiter({ perSecond: 0 })).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { backoffMs, headerWaitMs, mayRetryMethod, parseWaitHeader } from '../../engine/run/http/retry.js';
import { compileHttp } from '../helpers/compiled.js';

describe('retry policy', () => {
  const now = 1_700_000_000_000;
  it('reads wait headers by magnitude and as HTTP dates', () => {
    expect(parseWaitHeader('3', now)).toBe(3000);
    expect(parseWaitHeader('0.5', now)).toBe(500);
    expect(parseWaitHeader(String(now / 1000 + 10), now)).toBe(10_000);
    expect(parseWaitHeader(String(now + 2500), now)).toBe(2500);
    expect(parseWaitHeader(new Date(now + 60_000).toUTCString(), now)).toBe(60_000);
    expect(parseWaitHeader('soon', now)).toBeUndefined();
  });

  it('takes the first wait header present in the configured order', () => {
    const headers = { 'x-reset': String(now / 1000 + 5), 'retry-after': '2' };
    // Written as an author would; the compiler lower-cases them to match response headers.
    const waitHeaders = (list: string[]) => compileHttp({ retry: { wait_headers: list } }).retry.waitHeaders;
    expect(headerWaitMs(headers, waitHeaders(['Retry-After', 'X-Reset']), now)).toBe(2000);
    expect(headerWaitMs(headers, waitHeaders(['X-Reset', 'Retry-After']), now)).toBe(5000);
    expect(headerWaitMs({}, compileHttp().retry.waitHeaders, now)).toBeUndefined();
  });

  it('uses full jitter under an exponentially growing, capped ceiling', () => {
    const b = compileHttp({ retry: { backoff: { initial: '100ms', max: '1s', factor: 2 } } }).retry.backoff;
    expect(b).toEqual({ initialMs: 100, maxMs: 1000, factor: 2 });
    expect(backoffMs(b, 0, () => 0.999)).toBe(99);
    expect(backoffMs(b, 2, () => 0.5)).toBe(200);
    expect(backoffMs(b, 10, () => 0.999)).toBe(999);
    expect(backoffMs(b, 3, () => 0)).toBe(0);
  });

  it('retries unsafe methods only with an idempotency header', () => {
    const plain = compileHttp().retry;
    const keyed = compileHttp({ retry: { idempotency_header: 'Idempotency-Key' } }).retry;
    expect(['GET', 'HEAD', 'PUT', 'DELETE'].every((m) => mayRetryMethod(m as 'GET', plain))).toBe(true);
    expect(mayRetryMethod('POST', plain)).toBe(false);
    expect(mayRetryMethod('PATCH', plain)).toBe(false);
    expect(mayRetryMethod('POST', keyed)).toBe(true);
  });
});

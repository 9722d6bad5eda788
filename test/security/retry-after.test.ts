/** Item 25: one Retry-After parser for outbound calls and deliveries, with the same rules. */
import { describe, expect, it } from 'vitest';
import { parseRetryAfter as forDeliveries } from '../../engine/platform/deliveries/schedule.js';
import { headerWaitMs, MAX_RETRY_AFTER_MS, parseRetryAfter } from '../../engine/run/http/retry.js';

const now = Date.UTC(2026, 0, 1, 0, 0, 0);

describe('Retry-After', () => {
  it.each([
    ['120', 120_000],
    [' 5 ', 5_000],
    ['0', 0],
    [new Date(now + 60_000).toUTCString(), 60_000],
    [new Date(now - 60_000).toUTCString(), 0],
    ['99999999999999999999', MAX_RETRY_AFTER_MS],
    [new Date(now + 10 * 86_400_000).toUTCString(), MAX_RETRY_AFTER_MS],
    // Decimal delta-seconds, as Shopify sends on a 429 (`Retry-After: 2.0`).
    ['2.0', 2_000],
    ['1.5', 1_500],
    ['0.25', 250],
    ['0.0001', 1],
    ['1.', undefined],
    ['.5', undefined],
    ['1.5.2', undefined],
    ['1e3', undefined],
    ['0x10', undefined],
    ['+2', undefined],
    ['2,5', undefined],
    ['-3', undefined],
    ['soon', undefined],
    ['', undefined],
  ])('%j → %s ms in both places', (raw, ms) => {
    expect(parseRetryAfter(raw, now)).toBe(ms);
    expect(forDeliveries(raw, now)).toBe(ms);
    expect(headerWaitMs({ 'retry-after': raw }, ['retry-after'], now)).toBe(ms);
  });

  it('is the same function', () => {
    expect(forDeliveries).toBe(parseRetryAfter);
  });
});

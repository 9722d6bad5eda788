import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { DEFAULT_SCHEDULE_MS, MAX_WAIT_MS, generateSecret, matchesAny, nextWait, secretKey, signedHeaders } from '../../engine/platform/deliveries/index.js';
import { parseRetryAfter } from '../../engine/platform/deliveries/schedule.js';

describe('delivery retry schedule', () => {
  it('grows from seconds to a day and then gives up', () => {
    const waits = Array.from({ length: 12 }, (_, i) => nextWait(DEFAULT_SCHEDULE_MS, i + 1));
    expect(waits).toEqual([5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 57_600_000, 86_400_000, undefined]);
    expect(nextWait(DEFAULT_SCHEDULE_MS, 0)).toBeUndefined();
  });

  it('honours a longer Retry-After up to the one-day cap, and jitters within bounds', () => {
    expect(nextWait([1000], 1, { retryAfterMs: 5000 })).toBe(5000);
    expect(nextWait([1000], 1, { retryAfterMs: 10 })).toBe(1000);
    expect(nextWait([1000], 1, { retryAfterMs: 10 * MAX_WAIT_MS })).toBe(MAX_WAIT_MS);
    expect(nextWait([1000], 1, { jitter: 0.1, random: () => 0 })).toBe(900);
    expect(nextWait([1000], 1, { jitter: 0.1, random: () => 1 })).toBe(1100);
    expect(nextWait([MAX_WAIT_MS], 1, { jitter: 0.1, random: () => 1 })).toBe(MAX_WAIT_MS);
  });

  it('reads Retry-After as seconds or a date', () => {
    expect(parseRetryAfter('120', 0)).toBe(120_000);
    expect(parseRetryAfter(new Date(60_000).toUTCString(), 0)).toBe(60_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
  });
});

describe('subscription event patterns', () => {
  it('match whole type names with * as any run of characters', () => {
    expect(matchesAny(['ticket.*'], 'ticket.created')).toBe(true);
    expect(matchesAny(['ticket.*'], 'ticketing.created')).toBe(false);
    expect(matchesAny(['ticket.*'], 'x.ticket.created')).toBe(false);
    expect(matchesAny(['*'], 'anything.at.all')).toBe(true);
    expect(matchesAny(['invoice.paid', 'customer.*.updated'], 'customer.vip.updated')).toBe(true);
    expect(matchesAny(['a.b'], 'aXb')).toBe(false);
  });
});

describe('delivery signatures', () => {
  it('are what the standardwebhooks package computes for the same secret, id, time and body', () => {
    const secret = generateSecret();
    const at = new Date(1_700_000_000_000);
    const body = JSON.stringify({ type: 'ticket.created', data: { id: 'é✓' } });
    const headers = signedHeaders(secretKey(secret), 'ev_1', at.getTime() / 1000, body);
    expect(headers['webhook-signature']).toBe(new Webhook(secret).sign('ev_1', at, body));
    expect(headers['webhook-timestamp']).toBe('1700000000');
    expect(() => secretKey('not-whsec')).toThrow(/whsec_/);
  });
});

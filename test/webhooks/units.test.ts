/** Small parts of the pipeline on their own: URLs, sync coalescing, backoff, body parsing. */
import { describe, expect, it } from 'vitest';
import { SyncCoalescer } from '../../engine/platform/webhooks/coalesce.js';
import { fullUrl, parseBody, webhookUrl } from '../../engine/platform/webhooks/request.js';
import { WebhookWorker } from '../../engine/platform/webhooks/worker.js';
import type { SyncRun } from '../../engine/platform/store/runs.js';
import { silentLogger } from '../../engine/core/log.js';
import type { WebhookEventsRepo } from '../../engine/platform/store/webhook-events.js';

describe('the URL a provider called', () => {
  it('uses the public URL for scheme and host, else the origin the intake passed, never a Host header', () => {
    expect(fullUrl('/v1/webhooks/x?a=1')).toBe('http://localhost/v1/webhooks/x?a=1');
    expect(fullUrl('/v1/webhooks/x?a=1', 'https://hooks.example.com/')).toBe('https://hooks.example.com/v1/webhooks/x?a=1');
    expect(fullUrl('/v1/webhooks/x', 'https://example.com/pb')).toBe('https://example.com/pb/v1/webhooks/x');
    expect(fullUrl('https://a.example.com/v1/webhooks/x?q')).toBe('https://a.example.com/v1/webhooks/x?q');
    expect(fullUrl('http://internal:3000/v1/webhooks/x?q', 'https://public.example.com')).toBe('https://public.example.com/v1/webhooks/x?q');
    expect(webhookUrl('https://h.example.com/', 'stripe', 'conn_1')).toBe('https://h.example.com/v1/webhooks/stripe/conn_1');
  });
});

describe('body parsing', () => {
  it('parses JSON and forms, and refuses anything else', () => {
    expect(parseBody(Buffer.from('{"a":1}'), 'application/json')).toEqual({ ok: true, body: { a: 1 } });
    expect(parseBody(Buffer.from('a=1&b=2&b=3&payload=%7B%7D'), 'application/x-www-form-urlencoded')).toEqual({ ok: true, body: { a: '1', b: ['2', '3'], payload: '{}' } });
    expect(parseBody(Buffer.from('{"a":'), 'application/json').ok).toBe(false);
    expect(parseBody(Buffer.from('   '), undefined).ok).toBe(false);
  });
});

describe('webhook-triggered syncs of one stream', () => {
  it('run once now and once more for everything that asked meanwhile', async () => {
    const c = new SyncCoalescer();
    const releases: Array<() => void> = [];
    let started = 0;
    const start = () => new Promise<SyncRun>((resolve) => {
      const n = ++started;
      releases.push(() => resolve({ id: `run_${n}` } as SyncRun));
    });
    const first = c.request('conn:items', start);
    const later = [c.request('conn:items', start), c.request('conn:items', start), c.request('conn:items', start)];
    const other = c.request('conn:users', start);
    await new Promise((r) => setTimeout(r, 5));
    expect(started).toBe(2);
    releases[0]();
    expect((await first).id).toBe('run_1');
    await new Promise((r) => setTimeout(r, 5));
    expect(started).toBe(3);
    releases[2]();
    expect((await Promise.all(later)).map((r) => r.id)).toEqual(['run_3', 'run_3', 'run_3']);
    releases[1]();
    expect((await other).id).toBe('run_2');
    // Idle again: the next request starts at once.
    void c.request('conn:items', start);
    await new Promise((r) => setTimeout(r, 5));
    expect(started).toBe(4);
    releases[3]();
  });

  it('pass a failed run on to its callers without blocking the next one', async () => {
    const c = new SyncCoalescer();
    await expect(c.request('k', () => Promise.reject(new Error('lease held')))).rejects.toThrow('lease held');
    expect((await c.request('k', async () => ({ id: 'run_ok' }) as SyncRun)).id).toBe('run_ok');
  });
});

describe('retry backoff', () => {
  it('doubles from the base up to the cap, with equal jitter', () => {
    const w = (random: number) => new WebhookWorker({ repo: {} as WebhookEventsRepo, process: async () => undefined, owner: 'o', now: Date.now, logger: silentLogger }, { retryBaseMs: 1000, retryMaxMs: 10_000, random: () => random });
    expect([1, 2, 3, 4, 5, 9].map((n) => w(0).backoffMs(n))).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
    expect([1, 2, 3].map((n) => w(0.999999).backoffMs(n))).toEqual([1000, 2000, 4000]);
  });
});

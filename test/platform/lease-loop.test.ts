/**
 * The claim loop every worker runs on, against an in-memory queue: how many run at once,
 * what wakes it, what stop waits for, and that leases are kept while an item runs.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../engine/core/log.js';
import { LeaseLoop, type LeaseLoopSpec } from '../../engine/platform/workers/lease-loop.js';

function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const check = () => (cond() ? resolve() : Date.now() > end ? reject(new Error('condition not met in time')) : setTimeout(check, 5));
    check();
  });
}

function queue(items: number[], spec: Partial<LeaseLoopSpec<number, number>> = {}) {
  const due = [...items];
  const log = { claims: [] as number[], running: 0, maxRunning: 0, done: [] as number[], renewals: 0, errors: [] as string[] };
  const gates = new Map<number, () => void>();
  const loop = new LeaseLoop<number, number>({
    name: 'test',
    concurrency: 2,
    pollMs: 10_000,
    claim: async (free) => {
      log.claims.push(free);
      return due.splice(0, free);
    },
    handle: async (n) => {
      log.running++;
      log.maxRunning = Math.max(log.maxRunning, log.running);
      await new Promise<void>((resolve) => gates.set(n, resolve));
      log.running--;
      log.done.push(n);
      return n * 10;
    },
    logger: { ...silentLogger, error: (o: unknown) => { log.errors.push(JSON.stringify(o)); } } as never,
    ...spec,
  });
  const release = (n: number) => gates.get(n)?.();
  return { due, log, loop, gates, release };
}

describe('LeaseLoop', () => {
  it('keeps at most `concurrency` items in flight and claims again as each finishes, without waiting for the poll', async () => {
    const q = queue([1, 2, 3, 4, 5]);
    q.loop.start();
    await until(() => q.gates.size === 2);
    expect(q.log.maxRunning).toBe(2);
    q.release(1);
    await until(() => q.gates.has(3));
    q.release(2);
    q.release(3);
    await until(() => q.gates.has(5));
    q.release(4);
    q.release(5);
    await q.loop.stop();
    expect(q.log.done.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(q.log.maxRunning).toBe(2);
  });

  it('sleeps when nothing is due and wakes on kick', async () => {
    const q = queue([]);
    q.loop.start();
    await until(() => q.log.claims.length === 1);
    q.due.push(7);
    // The poll is 10 s away: only the kick can make it claim now.
    q.loop.kick();
    await until(() => q.gates.has(7));
    q.release(7);
    await q.loop.stop();
    expect(q.log.done).toEqual([7]);
  });

  it('a stop that comes while the next due time is being asked for does not wait out the poll', async () => {
    let asked: () => void = () => undefined;
    const asking = new Promise<void>((r) => (asked = r));
    let answer: (ms: number | undefined) => void = () => undefined;
    const q = queue([], {
      pollMs: 60_000,
      nextDueInMs: () => new Promise<number | undefined>((r) => {
        answer = r;
        asked();
      }),
    });
    q.loop.start();
    await asking;
    const stopped = q.loop.stop();
    answer(undefined);
    const started = Date.now();
    await stopped;
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stop waits for the items in flight and claims nothing more', async () => {
    const q = queue([1, 2, 3]);
    q.loop.start();
    await until(() => q.gates.size === 2);
    const stopped = q.loop.stop();
    let finished = false;
    void stopped.then(() => { finished = true; });
    await new Promise((r) => setTimeout(r, 30));
    expect(finished).toBe(false);
    q.release(1);
    q.release(2);
    await stopped;
    expect(q.log.done.sort()).toEqual([1, 2]);
    expect(q.due).toEqual([3]);
  });

  it('renews the lease of an item while it runs, and stops renewing when it is done', async () => {
    let renewals = 0;
    const q = queue([1], { renew: { everyMs: 20, lease: async () => { renewals++; } } });
    const run = q.loop.runOnce();
    await until(() => renewals >= 3);
    q.release(1);
    expect(await run).toEqual([10]);
    const after = renewals;
    await new Promise((r) => setTimeout(r, 80));
    expect(renewals).toBe(after);
  });

  it('logs a failing claim and a failing item and keeps going', async () => {
    let calls = 0;
    const q = queue([], {
      claim: async () => {
        calls++;
        if (calls === 1) throw new Error('database is locked');
        return calls === 2 ? [9] : [];
      },
      handle: async () => { throw new Error('boom'); },
    });
    q.loop.start();
    q.loop.kick();
    await until(() => q.log.errors.length >= 2);
    await q.loop.stop();
    expect(q.log.errors.join('\n')).toContain('database is locked');
    expect(q.log.errors.join('\n')).toContain('boom');
  });

  it('drain works everything due without the loop, runOnce only one claim', async () => {
    const q = queue([1, 2, 3], { handle: async (n) => n });
    expect(await q.loop.runOnce()).toEqual([1, 2]);
    expect(await q.loop.drain()).toBe(1);
    expect(await q.loop.drain()).toBe(0);
  });
});

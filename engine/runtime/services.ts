/**
 * What route handlers reach: the platform (connections, syncs, records, runs, schedules),
 * the engine, API keys, and the runtime's own background work (syncs started with 202),
 * which shutdown must wait for.
 */
import type { Engine } from '../run/engine.js';
import type { Platform } from '../platform/platform.js';
import type { IdempotencyRepo } from '../platform/store/idempotency.js';
import type { IntakeLimiter } from './auth/intake-limit.js';
import type { ApiKeys } from './auth/keys.js';

export interface RuntimePolicy {
  /**
   * Accept `base_url` on connections (a per-connection replacement of the manifest's base
   * URL). For tests and operator-run sandboxes only: a tenant could otherwise point a
   * connector at any host. Requires the platform's engine to be wrapped with
   * `withBaseUrlOverrides` (base-url.ts).
   */
  allowBaseUrlOverride: boolean;
  /**
   * How long an action call may reuse a connection (decrypted credentials included) this
   * process read for the same tenant, instead of reading and decrypting it again. Changes
   * made in this process apply at once; another process's update, disconnect or token
   * rotation is seen within this window. 0 reads every time.
   */
  connectionCacheMs: number;
}

export class BackgroundTasks {
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly controller = new AbortController();

  /** Aborted when the server gives up waiting for background work at shutdown. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get size(): number {
    return this.tasks.size;
  }

  track<T>(p: Promise<T>): Promise<T> {
    const t = p.finally(() => this.tasks.delete(t));
    this.tasks.add(t);
    t.catch(() => undefined);
    return p;
  }

  /** Waits for every task, aborting the rest after `graceMs`; a sync stops between pages, its state committed. */
  async drain(graceMs: number): Promise<void> {
    const all = Promise.allSettled([...this.tasks]);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs);
      timer.unref();
    });
    const first = await Promise.race([all, timeout]);
    if (timer) clearTimeout(timer);
    if (first === 'timeout') {
      this.controller.abort(new Error('server shutting down'));
      await all;
    }
  }
}

export interface RuntimeServices {
  engine: Engine;
  platform: Platform;
  keys: ApiKeys;
  /** Callers' Idempotency-Key replies of action calls. */
  idempotency: IdempotencyRepo;
  policy: RuntimePolicy;
  background: BackgroundTasks;
  /** The budget on webhook intake (absent when turned off). */
  intakeLimiter?: IntakeLimiter;
  /** Set when shutdown begins: readiness fails so load balancers stop sending traffic. */
  lifecycle: { draining: boolean };
  /** The OpenAPI document of the routes registered with this runtime. */
  openapi(): Record<string, unknown>;
}

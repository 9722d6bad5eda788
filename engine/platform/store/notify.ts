/**
 * Invalidations: "this row changed, drop what you remember of it", told to every process on
 * the database. Caches of keys, connections, OAuth apps and connector secrets listen here, so
 * a revoked key or a rotated secret stops being used everywhere at once instead of when a
 * fixed window runs out.
 *
 * - PostgreSQL: `pg_notify('patchbay_invalidate', …)` after the change is committed, and one
 *   dedicated LISTEN connection per store. Channels are per database, not per schema, so the
 *   payload names the schema and other schemas' notices are ignored. A LISTEN connection that
 *   breaks is reopened; since notices sent meanwhile are lost, every listener is then told
 *   to drop everything (`all`).
 * - SQLite (one process): delivered in-process, to this store's listeners only.
 *
 * A process that dies between its write and the notice leaves the others on their cached copy
 * until the caches' own (long) time-to-live passes: that is the safety net, not the mechanism.
 */
import { randomBytes } from 'node:crypto';
import type { Dialect } from './config.js';

export const INVALIDATE_CHANNEL = 'patchbay_invalidate';

export type InvalidationKind = 'key' | 'connection' | 'oauth_app' | 'connector_secrets' | 'lease';

export type Invalidation =
  | { kind: InvalidationKind; tenant: string; id: string }
  /** Notices may have been missed (the listener reconnected): drop every cached entry. */
  | { kind: 'all' };

export type InvalidationListener = (change: Invalidation) => void;

export interface Invalidations {
  /** True when other processes hear this store's notices (PostgreSQL). */
  readonly crossProcess: boolean;
  /** Tells this process at once and, on PostgreSQL, every other; never throws. */
  publish(kind: InvalidationKind, tenant: string, id: string): Promise<void>;
  /** Returns the unsubscribe function. The first listener opens the LISTEN connection. */
  subscribe(listener: InvalidationListener): () => void;
  /** Resolves once notices from other processes are heard (at once on SQLite); false if the LISTEN connection is not up. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

interface NotifyOptions {
  dialect: Dialect;
  schema?: string;
  /** Opens a connection outside the store's pool for LISTEN (PostgreSQL): it is held for the store's life. */
  openListener?: () => Promise<ListenClient>;
  /** Sends one notice through the store's pool (PostgreSQL). */
  send?: (payload: string) => Promise<unknown>;
  /** Where a broken LISTEN connection is reported. */
  warn?: (message: string) => void;
}

/** The part of a `pg` client the listener uses. */
export interface ListenClient {
  query(sql: string, values?: unknown[]): Promise<unknown>;
  on(event: 'notification', fn: (n: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error' | 'end', fn: (err?: Error) => void): unknown;
  removeAllListeners(): unknown;
  end(): Promise<void>;
}

const RECONNECT_MS = [100, 500, 1000, 2000, 5000];

/** The LISTEN connection's `application_name`. */
export const listenerName = (schema: string) => `patchbay-invalidations:${schema}`.slice(0, 63);

/** `[schema, kind, tenant, id, sender]`: the sender's own notices come back too, and were delivered already. */
const encode = (schema: string, kind: string, tenant: string, id: string, sender: string) => JSON.stringify([schema, kind, tenant, id, sender]);

function decode(schema: string, self: string, payload: string): Invalidation | undefined {
  try {
    const v = JSON.parse(payload) as unknown;
    if (!Array.isArray(v) || v.length !== 5 || v[0] !== schema || v[4] === self || v.some((x) => typeof x !== 'string')) return undefined;
    return { kind: v[1] as InvalidationKind, tenant: v[2] as string, id: v[3] as string };
  } catch {
    return undefined;
  }
}

export function createInvalidations(opts: NotifyOptions): Invalidations {
  const listeners = new Set<InvalidationListener>();
  const schema = opts.schema ?? 'public';
  const self = randomBytes(6).toString('base64url');
  const crossProcess = opts.dialect === 'postgres' && opts.send !== undefined && opts.openListener !== undefined;
  let client: ListenClient | undefined;
  let connecting: Promise<void> | undefined;
  let closed = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;

  const deliver = (change: Invalidation) => {
    for (const l of [...listeners]) {
      try {
        l(change);
      } catch {
        // One listener's failure must not keep the others on stale data.
      }
    }
  };

  const listen = (): Promise<void> => {
    if (!crossProcess || closed || client) return Promise.resolve();
    connecting ??= (async () => {
      let c: ListenClient;
      try {
        c = await opts.openListener!();
      } catch (err) {
        if (!closed) {
          opts.warn?.(`invalidation listener could not connect (${(err as Error).message}); retrying`);
          schedule();
        }
        return;
      }
      const broken = (err?: Error) => {
        if (client !== c) return;
        client = undefined;
        c.removeAllListeners();
        void c.end().catch(() => undefined);
        if (closed) return;
        opts.warn?.(`invalidation listener lost its connection (${err?.message ?? 'ended'}); reconnecting`);
        schedule();
      };
      c.on('error', broken);
      try {
        // Named, so an operator can tell the listeners apart in pg_stat_activity.
        await c.query("select set_config('application_name', $1, false)", [listenerName(schema)]);
        await c.query(`LISTEN ${INVALIDATE_CHANNEL}`);
      } catch (err) {
        void c.end().catch(() => undefined);
        if (!closed) {
          opts.warn?.(`invalidation listener could not connect (${(err as Error).message}); retrying`);
          schedule();
        }
        return;
      }
      if (closed) {
        await c.end().catch(() => undefined);
        return;
      }
      c.on('notification', (n) => {
        if (n.channel !== INVALIDATE_CHANNEL || !n.payload) return;
        const change = decode(schema, self, n.payload);
        if (change) deliver(change);
      });
      c.on('end', () => broken());
      const reconnected = failures > 0;
      client = c;
      failures = 0;
      // Whatever was sent while no connection listened is lost: start over from the database.
      if (reconnected) deliver({ kind: 'all' });
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  const schedule = () => {
    if (retry || closed) return;
    const delay = RECONNECT_MS[Math.min(failures, RECONNECT_MS.length - 1)];
    failures++;
    retry = setTimeout(() => {
      retry = undefined;
      void listen();
    }, delay);
    retry.unref();
  };

  return {
    crossProcess,
    async publish(kind, tenant, id) {
      deliver({ kind, tenant, id });
      if (!crossProcess || closed) return;
      try {
        await opts.send!(encode(schema, kind, tenant, id, self));
      } catch (err) {
        opts.warn?.(`sending an invalidation failed (${(err as Error).message}); other processes see the change when their caches expire`);
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      void listen();
      return () => listeners.delete(listener);
    },
    async ready() {
      if (!crossProcess) return true;
      await listen();
      return client !== undefined;
    },
    async close() {
      closed = true;
      listeners.clear();
      if (retry) clearTimeout(retry);
      await connecting;
      const c = client;
      client = undefined;
      if (c) {
        c.removeAllListeners();
        await c.end().catch(() => undefined);
      }
    },
  };
}

/**
 * The embedded engine: what a host service imports. It owns the plans, one HTTP client (so
 * keep-alive sockets and rate limiters are shared by every call), and the boundary every
 * operation crosses on its way out: errors named and redacted, one log line per operation.
 */
import path from 'node:path';
import { getRecord } from './operations/get.js';
import { ConnectorError } from '../core/errors.js';
import { createHttpClient, type HttpClient } from './http/client.js';
import type { Connection, CredentialsListener, RefreshGate } from '../core/wire.js';
import { secretSafe, silentLogger, type Logger } from '../core/log.js';
import { loadConnectors } from '../plan/index.js';
import { dynamicName, type Plan } from '../plan/plan.js';
import { call as runCall } from './operations/call.js';
import { check as runCheck, type CheckResult } from './operations/check.js';
import { resolveConnection, withDiscovered, type ResolvedConnection } from './operations/context.js';
import { discover as runDiscover, discoveredTarget, type DiscoveredStream, type DiscoverResult, type SkippedItem } from './operations/discover.js';
import { deferredIterator } from './operations/deferred.js';
import { decorateError } from './operations/decorate.js';
import { read as runRead, type ReadHandle, type ReadOptions, type ReadPage, type StreamState } from './operations/read.js';
import { sendingRuntime, type OperationRuntime } from './operations/runtime.js';
import { unknownName } from './operations/suggest.js';
import { collectSecrets } from '../core/redact.js';
import { createOutboundGuard, type OutboundPolicy } from './http/outbound-guard.js';
import type { RateSlotsOption } from './http/rate-slots.js';

export type { CheckResult, DiscoveredStream, DiscoverResult, ReadHandle, ReadOptions, ReadPage, SkippedItem, StreamState };

export interface EngineReadOptions extends ReadOptions {
  /**
   * A discovered stream's item (from an earlier `discover`), so the read sends no discovery
   * request; without it a discovered stream's family is discovered first.
   */
  item?: unknown;
}

export interface EngineOptions {
  /** A connectors directory (`<dir>/<id>/connector.yaml`), or plans already compiled. */
  connectors?: string | Plan[] | Map<string, Plan>;
  logger?: Logger;
  /** Told when the engine obtains new credentials (refreshed OAuth tokens) to persist them. */
  onCredentials?: CredentialsListener;
  /**
   * Wraps every OAuth token refresh (see RefreshGate): the platform passes one that takes a
   * lease per connection in the database, so processes sharing it refresh once. Without it,
   * one refresh per connection is in flight in this process, and the result goes to
   * `onCredentials`.
   */
  refreshGate?: RefreshGate;
  userAgent?: string;
  /**
   * Refuse connections to loopback, private, link-local and metadata addresses (see
   * http/outbound-guard.ts). Off unless given: the HTTP runtime turns it on, an embedding
   * host decides for itself.
   */
  outbound?: OutboundPolicy;
  /**
   * Request slots shared with other processes, so a manifest's `rate_limit` windows hold
   * across all of them (the platform gives its PostgreSQL source). A getter is resolved when
   * a key's limiter is first made. Without it, each engine counts its own calls only.
   */
  rateSlots?: RateSlotsOption;
}

export interface CallOptions {
  signal?: AbortSignal;
  /**
   * The caller's idempotency key: sent as the provider's idempotency header or query
   * parameter when the action declares one (`retry.idempotency_header`, `idempotency_query`),
   * instead of a key generated for this call.
   */
  idempotencyKey?: string;
  /**
   * `call` only: answer the provider's response body (every page's records for a paginated
   * action) without the action's `output`, for callers that map it themselves (a webhook
   * route's fetch whose record goes through a stream's mapping).
   */
  raw?: boolean;
}

export interface Engine {
  readonly plans: ReadonlyMap<string, Plan>;
  /** The plan of a connector; unknown ids fail with a "did you mean". */
  plan(id: string): Plan;
  check(conn: Connection, opts?: CallOptions): Promise<CheckResult>;
  call(conn: Connection, action: string, input?: unknown, opts?: CallOptions): Promise<unknown>;
  /** Lazy: nothing is sent (and nothing fails) until the result is iterated. A discovered stream is named `<family>.<key>`. */
  read(conn: Connection, stream: string, opts?: EngineReadOptions): ReadHandle;
  /** The streams of the connector's `dynamic_streams` families (or of the one named) as the provider lists them now. */
  discover(conn: Connection, family?: string, opts?: CallOptions): Promise<DiscoverResult>;
  /**
   * One record by id through the stream's single-record request (`get:`), mapped like a read
   * (`raw`: as the provider sent it). A missing record fails with kind `not_found`.
   */
  get(conn: Connection, stream: string, id: string, opts?: CallOptions): Promise<unknown>;
  /**
   * Sends one rendered request for a resolved connection the way operations do: its auth
   * strategy, this engine's rate limiters, retries and outbound guard. The platform sends its
   * own provider calls (webhook subscriptions) through it, so they share one budget and guard.
   */
  readonly requests: OperationRuntime;
  /** Releases sockets; the engine must not be used afterwards. */
  close(): Promise<void>;
}

interface Loaded {
  plans: Map<string, Plan>;
  /** Connectors present on disk whose manifests did not compile, with why. */
  broken: Map<string, string>;
}

async function loadPlans(source: EngineOptions['connectors']): Promise<Loaded> {
  if (source === undefined) return { plans: new Map(), broken: new Map() };
  if (source instanceof Map) return { plans: new Map(source), broken: new Map() };
  if (Array.isArray(source)) return { plans: new Map(source.map((p) => [p.id, p])), broken: new Map() };
  const { plans, diagnostics } = await loadConnectors(source);
  // One bad manifest must not take the others down, but asking for it should say why.
  const broken = new Map<string, string>();
  for (const d of diagnostics) {
    if (d.severity !== 'error') continue;
    const id = path.basename(path.dirname(d.file));
    if (plans.has(id)) continue;
    const line = `${d.file}:${d.line}:${d.column} ${d.code}: ${d.message}`;
    broken.set(id, broken.has(id) ? `${broken.get(id)}\n${line}` : line);
  }
  return { plans: new Map(plans), broken };
}

/** Ends an operation: logs its one line and returns the error to throw (decorated), if any. */
type Finish = (started: number, err?: unknown, outcome?: 'ok' | 'stopped') => unknown;

/**
 * A read's iterator behind the operation boundary: errors decorated and redacted, and one log
 * line when it ends, fails, or the consumer stops early (`return()`). Hand-written rather than
 * an async generator, which would cost several promise turns for every record passed through.
 * Like a generator, it opens the source on the first `next()` and is done once settled.
 */
function guardIterator<T>(open: () => AsyncIterator<T>, finish: Finish): AsyncIterableIterator<T> {
  let source: AsyncIterator<T> | undefined;
  let started = 0;
  let settled = false;
  const done = (): IteratorResult<T> => ({ value: undefined, done: true });
  const onResult = (r: IteratorResult<T>): IteratorResult<T> => {
    if (!r.done) return r;
    if (!settled) {
      settled = true;
      finish(started);
    }
    return done();
  };
  const onError = (err: unknown): IteratorResult<T> => {
    // A next() still pending when the consumer stopped ends quietly, as a generator's would.
    if (settled) return done();
    settled = true;
    throw finish(started, err);
  };
  /** Closes the source for a consumer that left early; its own failure to close is the error. */
  const close = async (): Promise<void> => {
    settled = true;
    try {
      await source!.return?.();
    } catch (err) {
      throw finish(started, err);
    }
  };
  const it: AsyncIterableIterator<T> = {
    next(): Promise<IteratorResult<T>> {
      if (settled) return Promise.resolve(done());
      try {
        if (!source) {
          started = performance.now();
          source = open();
        }
        return source.next().then(onResult, onError);
      } catch (err) {
        settled = true;
        return Promise.reject(finish(started, err));
      }
    },
    async return(): Promise<IteratorResult<T>> {
      if (settled || !source) {
        settled = true;
        return done();
      }
      await close();
      finish(started, undefined, 'stopped');
      return done();
    },
    async throw(err: unknown): Promise<IteratorResult<T>> {
      if (settled || !source) {
        settled = true;
        throw err;
      }
      await close();
      throw finish(started, err);
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}

class EmbeddedEngine implements Engine {
  readonly requests: OperationRuntime;
  private closed = false;

  constructor(
    readonly plans: Map<string, Plan>,
    private readonly broken: Map<string, string>,
    private readonly client: HttpClient,
    private readonly logger: Logger,
    private readonly onCredentials?: CredentialsListener,
    refreshGate?: RefreshGate,
  ) {
    this.requests = sendingRuntime(this.client, this.logger, this.onCredentials, refreshGate);
  }

  plan(id: string): Plan {
    const plan = this.plans.get(id);
    if (plan) return plan;
    const why = this.broken.get(id);
    if (why) throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `Connector ${id} failed to load:\n${why}`, connector: id });
    throw new ConnectorError({ kind: 'config', origin: 'caller', message: unknownName('connector', id, [...this.plans.keys()]), connector: id });
  }

  private resolve(conn: Connection): ResolvedConnection {
    if (this.closed) throw new ConnectorError({ kind: 'internal', origin: 'caller', message: 'The engine is closed' });
    return resolveConnection(this.plan(conn.connector), conn);
  }

  private finish(
    conn: Connection,
    operation: string,
    started: number,
    stats: { pages: number; records?: number },
    rc: ResolvedConnection | undefined,
    err?: unknown,
    outcome: 'ok' | 'stopped' = 'ok',
  ): unknown {
    const secrets = rc ? rc.secrets.list() : collectSecrets(conn);
    const out = err === undefined ? undefined : decorateError(err, conn.connector, operation, secrets);
    const line: Record<string, unknown> = {
      connector: conn.connector,
      connection: conn.id,
      operation,
      durationMs: Math.round(performance.now() - started),
      pages: stats.pages,
      records: stats.records,
      outcome: out === undefined ? outcome : 'error',
    };
    if (out instanceof ConnectorError) line.error = { kind: out.kind, status: out.status, message: out.message };
    else if (out instanceof Error) line.error = { message: out.message };
    const log = secretSafe(this.logger, () => secrets);
    if (out === undefined) log.info(line, 'operation');
    else log.warn(line, 'operation failed');
    return out;
  }

  private async run<T>(conn: Connection, operation: string, fn: (rc: ResolvedConnection, stats: { pages: number; records?: number }) => Promise<T>): Promise<T> {
    const started = performance.now();
    const stats: { pages: number; records?: number } = { pages: 0 };
    let rc: ResolvedConnection | undefined;
    try {
      rc = this.resolve(conn);
      const result = await fn(rc, stats);
      this.finish(conn, operation, started, stats, rc);
      return result;
    } catch (err) {
      throw this.finish(conn, operation, started, stats, rc, err);
    }
  }

  check(conn: Connection, opts: CallOptions = {}): Promise<CheckResult> {
    return this.run(conn, 'check', async (rc, stats) => {
      const result = await runCheck(this.requests, rc, opts.signal);
      stats.pages = rc.plan.check ? 1 : 0;
      return result;
    });
  }

  call(conn: Connection, action: string, input?: unknown, opts: CallOptions = {}): Promise<unknown> {
    return this.run(conn, `action:${action}`, (rc, stats) => runCall(this.requests, rc, action, input ?? {}, stats, opts.signal, opts.idempotencyKey, opts.raw));
  }

  get(conn: Connection, stream: string, id: string, opts: CallOptions = {}): Promise<unknown> {
    return this.run(conn, `stream:${stream}:get`, async (rc, stats) => {
      const record = await getRecord(this.requests, rc, stream, id, opts);
      stats.pages = 1;
      return record;
    });
  }

  discover(conn: Connection, family?: string, opts: CallOptions = {}): Promise<DiscoverResult> {
    return this.run(conn, family === undefined ? 'discover' : `discover:${family}`, (rc, stats) => runDiscover(this.requests, rc, family, stats, opts.signal));
  }

  read(conn: Connection, stream: string, opts: EngineReadOptions = {}): ReadHandle {
    let rc: ResolvedConnection | undefined;
    // A discovered stream's template and item, found before its read resolves the connection.
    let target: { stream: Plan['streams'][string]; item: unknown } | undefined;
    const resolve = () => (rc = target ? withDiscovered(this.resolve(conn), target.stream, target.item) : this.resolve(conn));
    const inner = runRead(this.requests, resolve, stream, opts);
    const operation = `stream:${stream}`;
    const dynamic = () => {
      const plan = this.plans.get(conn.connector);
      return plan ? dynamicName(plan, stream) : undefined;
    };
    const prepare = async () => {
      const d = dynamic()!;
      target = await discoveredTarget(this.requests, (rc = this.resolve(conn)), d.family, d.key, opts.item, opts.signal);
    };
    const opened = <T>(open: () => AsyncIterator<T>) => () => (dynamic() ? deferredIterator(prepare, open) : open());
    const guarded = <T>(open: () => AsyncIterator<T>) =>
      guardIterator(opened(open), (started, err, outcome) => this.finish(conn, operation, started, inner, rc, err, outcome));
    return {
      get state() { return inner.state; },
      get pages() { return inner.pages; },
      get records() { return inner.records; },
      get complete() { return inner.complete; },
      pagesIterable: () => ({ [Symbol.asyncIterator]: () => guarded(() => inner.pagesIterable()[Symbol.asyncIterator]()) }),
      [Symbol.asyncIterator]: () => guarded(() => inner[Symbol.asyncIterator]()),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.client.close();
  }
}

/**
 * An engine that prepares each connection before the operation runs (a stored base URL, a
 * test's scripted server); everything else passes through. `prepare` runs when the
 * operation is asked for, before anything is sent.
 */
export function preparingConnections<E extends Engine>(engine: E, prepare: (conn: Connection) => Connection): Engine {
  return {
    get plans() { return engine.plans; },
    plan: (id) => engine.plan(id),
    // Requests the platform renders itself (webhook subscriptions) are prepared the same way.
    requests: preparingRequests(engine.requests, prepare),
    check: (conn, opts) => engine.check(prepare(conn), opts),
    call: (conn, action, input, opts) => engine.call(prepare(conn), action, input, opts),
    read: (conn, stream, opts) => engine.read(prepare(conn), stream, opts),
    discover: (conn, family, opts) => engine.discover(prepare(conn), family, opts),
    get: (conn, stream, id, opts) => engine.get(prepare(conn), stream, id, opts),
    close: () => engine.close(),
  };
}

/** The engine's request runtime with `prepare` applied first, then whatever the runtime prepares itself. */
export function preparingRequests(inner: OperationRuntime, prepare: (conn: Connection) => Connection): OperationRuntime {
  return {
    send: (rc, req, o) => inner.send(rc, req, o),
    ...(inner.revoke ? { revoke: (rc: Parameters<NonNullable<OperationRuntime['revoke']>>[0]) => inner.revoke!(rc) } : {}),
    prepare: (conn) => {
      const prepared = prepare(conn);
      return inner.prepare ? inner.prepare(prepared) : prepared;
    },
  };
}

export async function createEngine(opts: EngineOptions = {}): Promise<Engine> {
  const { plans, broken } = await loadPlans(opts.connectors);
  const logger = opts.logger ?? silentLogger;
  const guard = opts.outbound ? createOutboundGuard(opts.outbound) : undefined;
  const client = createHttpClient({ logger, userAgent: opts.userAgent, wrapAgent: guard && ((agent) => guard.guardAgent(agent)), rateSlots: opts.rateSlots });
  return new EmbeddedEngine(plans, broken, client, logger, opts.onCredentials, opts.refreshGate);
}

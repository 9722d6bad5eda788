/**
 * One sync run of one stream: take the stream's lease, read from the stored state, and
 * commit every page's records together with the state after that page in one transaction.
 * A process killed at any point leaves the last committed page and its state, so the next
 * run resumes exactly there; upserts by primary key make a re-read page harmless.
 */
import { ConnectorError, isConnectorError } from '../../core/errors.js';
import type { PlanStream } from '../../plan/plan.js';
import { collectSecrets, redact } from '../../core/redact.js';
import type { Store } from '../store/store.js';
import type { TenantScope } from '../store/scope.js';
import type { StateRepo } from '../store/state.js';
import { prepareRecords, type RecordsRepo, type IncomingRecord, type PreparedRecord, type WriteTarget } from '../store/records.js';
import type { RunsRepo, RunCounts, SyncRun, SyncTrigger } from '../store/runs.js';
import { LeasesRepo, syncLeaseKey } from '../store/leases.js';
import { newId } from '../store/ids.js';
import type { ConnectionService, ConnectionRef } from '../connections/service.js';
import { AUTH_ERROR_KINDS } from '../connections/service.js';
import type { EngineSeam } from '../connections/seam.js';
import type { ReadPage } from '../../run/operations/read.js';
import { resumesFrom } from '../../run/operations/stream-state.js';
import { externalIdOf } from '../../run/operations/keys.js';
import { prefetch } from './prefetch.js';
import type { DiscoveredStreams } from './discovered.js';

export interface SyncOptions {
  trigger?: SyncTrigger;
  /** Ignore the stored state and read the stream from its beginning. */
  reset?: boolean;
  signal?: AbortSignal;
  /** Called after each committed page. */
  onProgress?: (p: SyncProgress) => void;
}

export interface SyncProgress {
  runId: string;
  connectionId: string;
  stream: string;
  records: RunCounts;
}

export interface SyncDeps {
  store: Store;
  engine: EngineSeam;
  connections: ConnectionService;
  state: StateRepo;
  records: RecordsRepo;
  runs: RunsRepo;
  leases: LeasesRepo;
  /** Finds a stream by name, discovered ones included. */
  streams: DiscoveredStreams;
  /** Identifies this process in leases (host:pid:random). */
  owner: string;
  leaseMs: number;
}

interface PreparedPage {
  rows: PreparedRecord[];
  /** Ids the provider reported deleted on this page. */
  deleted: string[];
  /** The read started over (its stored state was refused): a full read follows. */
  reset: boolean;
  state: ReadPage['state'];
  read: number;
  /** Records without a primary key value: counted, not stored. */
  failed: number;
}

/** Keys, serialises and hashes each page as it is read (ahead of its commit, via prefetch). */
async function* prepared(pages: AsyncIterable<ReadPage>, stream: PlanStream): AsyncGenerator<PreparedPage> {
  for await (const page of pages) {
    const incoming: IncomingRecord[] = [];
    let failed = 0;
    for (const record of page.records) {
      const externalId = externalIdOf(stream, record);
      if (externalId === undefined) failed++;
      else incoming.push({ externalId, data: record });
    }
    const deleted: string[] = [];
    for (const record of page.deleted ?? []) {
      const externalId = externalIdOf(stream, record);
      if (externalId === undefined) failed++;
      else deleted.push(externalId);
    }
    yield { rows: prepareRecords(incoming), deleted, reset: page.reset === true, state: page.state, read: page.records.length, failed };
  }
}

/** The ids a full read has seen, for marking the rest deleted; undefined while the read is incremental. */
interface Seen {
  ids?: Set<string>;
}

class LeaseLost extends ConnectorError {
  constructor(stream: string) {
    super({ kind: 'conflict', origin: 'internal', message: `sync of ${stream} lost its lease to another run; stopped without committing further pages` });
  }
}

export class SyncRunner {
  constructor(private readonly d: SyncDeps) {}

  /**
   * Runs one sync and resolves with its run record, whatever the outcome (a failed run is
   * history, not an exception). Throws only when no run could start: unknown connection or
   * stream, a disconnected connection or one waiting for a set-up choice, or another run of the same stream holding the lease.
   */
  async sync(ref: ConnectionRef, streamName: string, opts: SyncOptions = {}): Promise<SyncRun> {
    const { scope, info, connection } = await this.d.connections.resolve(ref);
    if (info.status === 'disconnected') {
      throw new ConnectorError({ kind: 'config', origin: 'connection', connector: info.connector, message: `connection ${info.id} is disconnected` });
    }
    // Its set-up has not finished (a tenant or page to pick): a read would go out for no account.
    if (info.status === 'needs_choice') {
      throw new ConnectorError({ kind: 'conflict', origin: 'connection', connector: info.connector, code: 'connection_needs_choice', message: `connection ${info.id} waits for a choice of its set-up; choose one of its pending_choice options first` });
    }
    const plan = this.d.engine.plan(info.connector);
    const target = plan ? await this.d.streams.target(scope, info, connection, plan, streamName) : undefined;
    const stream = target?.stream;
    if (!stream) {
      throw new ConnectorError({ kind: 'not_found', origin: 'caller', connector: info.connector, message: `connector ${info.connector} has no stream "${streamName}"` });
    }

    const runId = newId('run');
    const key = syncLeaseKey(info.id, streamName);
    await this.d.state.ensure(scope, info.id, streamName);
    if (!(await this.d.leases.acquire(scope, key, { owner: this.d.owner, runId }, this.d.leaseMs))) {
      const holder = await this.d.leases.holder(scope, key);
      throw new ConnectorError({
        kind: 'conflict', origin: 'caller',
        connector: info.connector,
        message: `a sync of ${streamName} on connection ${info.id} is already running${holder?.runId ? ` (run ${holder.runId})` : ''}`,
      });
    }
    await this.d.runs.create(scope, {
      id: runId, connectionId: info.id, stream: streamName, trigger: opts.trigger ?? 'manual',
      leaseOwner: this.d.owner, leaseExpiresAt: this.d.store.now() + this.d.leaseMs,
    });
    await this.d.runs.closeAbandoned(scope, info.id, streamName, runId);

    const abort = new AbortController();
    const onOuterAbort = () => abort.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
    const heartbeat = setInterval(() => {
      void this.heartbeat(scope, key, runId).then((ok) => {
        if (!ok) abort.abort(new LeaseLost(streamName));
      }, () => undefined);
    }, Math.max(50, Math.floor(this.d.leaseMs / 3)));
    heartbeat.unref();

    const counts: RunCounts = { read: 0, written: 0, unchanged: 0, failed: 0, deleted: 0, pages: 0 };
    let error: unknown;
    try {
      await this.readAll({ scope, info, connection, stream, item: target?.item, runId, key, counts, signal: abort.signal, opts });
    } catch (err) {
      error = abort.signal.aborted && abort.signal.reason instanceof LeaseLost ? abort.signal.reason : err;
    } finally {
      clearInterval(heartbeat);
      opts.signal?.removeEventListener('abort', onOuterAbort);
    }
    return this.finish(scope, info.id, connection, { runId, key, counts, error });
  }

  private async heartbeat(scope: TenantScope, key: string, runId: string): Promise<boolean> {
    const until = this.d.store.now() + this.d.leaseMs;
    if (!(await this.d.leases.renew(scope, key, runId, this.d.leaseMs))) return false;
    await this.d.runs.heartbeat(scope, runId, until);
    return true;
  }

  private async readAll(ctx: {
    scope: TenantScope;
    info: { id: string; connector: string };
    connection: Parameters<EngineSeam['read']>[0];
    stream: PlanStream;
    /** A discovered stream's item. */
    item?: unknown;
    runId: string;
    key: string;
    counts: RunCounts;
    signal: AbortSignal;
    opts: SyncOptions;
  }): Promise<void> {
    const { scope, info, stream, runId, key, counts } = ctx;
    const state = ctx.opts.reset ? undefined : await this.d.state.get(scope, info.id, stream.name);
    // Only a run that reads the whole stream, from its very beginning, may conclude that
    // unseen records are gone; an incremental read sees only what changed. A stream whose
    // stored state the provider can refuse (`state.reset_on`) is resynced in full from an
    // empty state, so such a run also marks what it did not see: whether it starts empty
    // (first run, reset, a crash during a resync) or its state is refused mid-run.
    const fullRead = stream.markDeleted || (stream.state?.resetOn.length ?? 0) > 0;
    const seen: Seen = { ids: fullRead && !resumesFrom(state) ? new Set<string>() : undefined };
    const target = { connectionId: info.id, stream: stream.name, model: stream.model };

    const stopReading = new AbortController();
    const onAbort = () => stopReading.abort(ctx.signal.reason);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const handle = this.d.engine.read(ctx.connection, stream.name, { state, signal: stopReading.signal, ...(ctx.item !== undefined ? { item: ctx.item } : {}) });
    const pages = prefetch(prepared(handle.pagesIterable(), stream), () => stopReading.abort(new Error('sync stopped')));

    try {
      await this.commitPages(ctx, pages, seen, target);
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }

    if (seen.ids && handle.complete) {
      await scope.transaction(async (tx) => {
        if (!(await this.d.leases.renew(tx, key, runId, this.d.leaseMs))) throw new LeaseLost(stream.name);
        counts.deleted += await this.d.records.markUnseenDeleted(tx, info.id, stream.name, seen.ids!);
        await this.d.runs.progress(tx, runId, counts);
      });
    }
  }

  private async commitPages(
    ctx: { scope: TenantScope; info: { id: string }; stream: PlanStream; runId: string; key: string; counts: RunCounts; opts: SyncOptions },
    pages: AsyncIterable<PreparedPage>,
    seen: Seen,
    target: WriteTarget,
  ): Promise<void> {
    const { scope, info, stream, runId, key, counts } = ctx;
    for await (const page of pages) {
      if (page.reset) seen.ids = new Set<string>();
      if (seen.ids) for (const r of page.rows) seen.ids.add(r.externalId);
      await scope.transaction(async (tx) => {
        // The fence goes first: it is also the write that takes SQLite's lock up front.
        if (!(await this.d.leases.renew(tx, key, runId, this.d.leaseMs))) throw new LeaseLost(stream.name);
        const res = await this.d.records.writePrepared(tx, target, page.rows);
        const deleted = page.deleted.length ? await this.d.records.markDeleted(tx, info.id, stream.name, page.deleted) : 0;
        await this.d.state.save(tx, info.id, stream.name, page.state);
        const next: RunCounts = {
          ...counts,
          read: counts.read + page.read,
          written: counts.written + res.written,
          unchanged: counts.unchanged + res.unchanged,
          failed: counts.failed + page.failed,
          deleted: counts.deleted + deleted,
          pages: counts.pages + 1,
        };
        await this.d.runs.progress(tx, runId, next, this.d.store.now() + this.d.leaseMs);
        Object.assign(counts, next);
      });
      ctx.opts.onProgress?.({ runId, connectionId: info.id, stream: stream.name, records: { ...counts } });
    }
  }

  private async finish(
    scope: TenantScope,
    connectionId: string,
    connection: Parameters<EngineSeam['read']>[0],
    r: { runId: string; key: string; counts: RunCounts; error: unknown },
  ): Promise<SyncRun> {
    const { runId, key, counts, error } = r;
    let status: SyncRun['status'] = 'success';
    let message: string | undefined;
    let kind: string | undefined;
    if (error !== undefined) {
      status = counts.pages > 0 ? 'partial' : 'failed';
      message = redact(error instanceof Error ? error.message : String(error), collectSecrets(connection));
      kind = isConnectorError(error) ? (error.code ?? error.kind) : 'internal';
    } else if (counts.failed > 0) {
      status = 'partial';
      message = `${counts.failed} record(s) had no primary key value and were not stored`;
    }
    await this.d.runs.finish(scope, runId, { status, counts, error: message, errorKind: kind });
    await this.d.leases.release(scope, key, runId);
    if (isConnectorError(error) && AUTH_ERROR_KINDS.has(error.kind)) {
      await this.d.connections.markError(scope, connectionId, error, connection);
    } else if (error === undefined) {
      const info = await this.d.connections.get({ tenant: scope.tenant, id: connectionId });
      if (info?.status === 'error') await this.d.connections.markActive(scope, connectionId);
    }
    return (await this.d.runs.get(scope, runId))!;
  }
}

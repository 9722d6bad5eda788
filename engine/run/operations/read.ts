/**
 * Reading a stream: pages are fetched lazily, records selected and mapped a page at a time,
 * and handed out either one by one or per page with the state to resume from. Nothing but
 * the current page and the cursor's running maximum is held, whatever the stream's size.
 */
import { ConnectorError } from '../../core/errors.js';
import { renderRequest, type TemplateContext } from '../http/render.js';
import { planStream, type PlanStream } from '../../plan/plan.js';
import { drivePages } from '../../components/pagination/drive.js';
import type { Paginator } from '../../components/pagination/protocol.js';
import { createPaginator } from '../../components/pagination/registry.js';
import { renderOptions, type ResolvedConnection } from './context.js';
import { CursorTracker } from './cursor-state.js';
import { mapPage, selectRecords } from './records.js';
import type { OperationRuntime } from './runtime.js';
import { unknownName } from './suggest.js';

export type StreamState = Record<string, unknown> & { cursor?: string | number };

export interface ReadPage {
  records: Array<Record<string, unknown>>;
  /** Exactly what a later read needs to resume after this page. */
  state: StreamState;
}

export interface ReadOptions {
  state?: StreamState;
  /** Stop after this many records; the state then covers only those. */
  limit?: number;
  signal?: AbortSignal;
  /** Called once the consumer has taken all of a page (the moment to checkpoint). */
  onPage?: (page: ReadPage) => void | Promise<void>;
}

export interface ReadHandle extends AsyncIterable<Record<string, unknown>> {
  /** State after the last fully consumed page; the final state once iteration completes. */
  readonly state: StreamState;
  readonly pages: number;
  readonly records: number;
  /** True once the stream was read to its end (not stopped by `limit` or the consumer). */
  readonly complete: boolean;
  /** The same read, page by page. A handle is consumed once, by either iterator. */
  pagesIterable(): AsyncIterable<ReadPage>;
}

const MAX_PARENT_DEPTH = 8;

interface RawPage {
  raw: unknown[];
  parent?: unknown;
}

export function findStream(rc: ResolvedConnection, name: string): PlanStream {
  const stream = planStream(rc.plan, name);
  if (!stream) throw new ConnectorError({ kind: 'config', origin: 'caller', message: `Connector ${rc.plan.id}: ${unknownName('stream', name, Object.keys(rc.plan.streams))}` });
  return stream;
}

function initialCursor(stream: PlanStream, ctx: TemplateContext, state: StreamState | undefined): string | number | undefined {
  const given = state?.cursor;
  if (given !== undefined && given !== null && given !== '') return given;
  const t = stream.cursor?.initial;
  if (!t) return undefined;
  const v = t.whole ? t.value(ctx) : t.render(ctx);
  return typeof v === 'number' || (typeof v === 'string' && v !== '') ? v : undefined;
}

class StreamReader implements ReadHandle {
  pages = 0;
  records = 0;
  complete = false;
  private committed: StreamState;
  private started = false;
  /** Paginators are stateless, so a child stream reuses one across all its parent records. */
  private readonly paginators = new Map<string, Paginator>();

  constructor(
    private readonly rt: OperationRuntime,
    private readonly resolve: () => ResolvedConnection,
    private readonly streamName: string,
    private readonly opts: ReadOptions,
  ) {
    this.committed = { ...opts.state };
  }

  get state(): StreamState {
    return this.committed;
  }

  pagesIterable(): AsyncIterable<ReadPage> {
    return { [Symbol.asyncIterator]: () => this.run() };
  }

  /**
   * Records one by one, taken from the current page without a generator per record: an async
   * generator's `yield*` costs several promise turns for every record, which at tens of
   * thousands of records a second is a measurable share of a read. The next page is asked
   * for only once this one is used up, so checkpoints (`onPage`) come at the same moments.
   */
  [Symbol.asyncIterator](): AsyncIterator<Record<string, unknown>, void, undefined> {
    const pages = this.run();
    let buf: Array<Record<string, unknown>> = [];
    let i = 0;
    let pulling: Promise<IteratorResult<Record<string, unknown>, void>> | undefined;
    const pull = async (): Promise<IteratorResult<Record<string, unknown>, void>> => {
      for (;;) {
        const r = await pages.next();
        if (r.done) return { value: undefined, done: true };
        buf = r.value.records;
        i = 0;
        if (buf.length > 0) return { value: buf[i++], done: false };
      }
    };
    const next = (): Promise<IteratorResult<Record<string, unknown>, void>> => {
      // Calls made while a page is being fetched wait for it, as a generator's queue would.
      if (pulling) return pulling.then(next);
      if (i < buf.length) return Promise.resolve({ value: buf[i++], done: false });
      pulling = pull().finally(() => { pulling = undefined; });
      return pulling;
    };
    const stop = async (): Promise<void> => {
      buf = [];
      i = 0;
      await pages.return(undefined);
    };
    return {
      next,
      async return(): Promise<IteratorResult<Record<string, unknown>, void>> {
        await stop();
        return { value: undefined, done: true };
      },
      async throw(err: unknown): Promise<IteratorResult<Record<string, unknown>, void>> {
        await stop();
        throw err;
      },
    };
  }

  private async *run(): AsyncGenerator<ReadPage, void, undefined> {
    if (this.started) throw new ConnectorError({ kind: 'internal', origin: 'caller', message: `Stream ${this.streamName}: a read can be iterated only once` });
    this.started = true;
    const rc = this.resolve();
    const stream = findStream(rc, this.streamName);
    const given = this.opts.state ?? {};
    const cursor0 = initialCursor(stream, { ...rc.base, state: given }, given);
    const tracker = stream.cursor ? new CursorTracker(stream.cursor.field, cursor0) : undefined;
    const stateWith = (cursor: string | number | undefined): StreamState => (cursor === undefined ? { ...given } : { ...given, cursor });
    this.committed = stateWith(cursor0);
    let remaining = this.opts.limit ?? Infinity;
    if (remaining <= 0) return;

    for await (const page of this.rawPages(rc, stream, { ...rc.base, state: stateWith(cursor0) }, 0)) {
      let mapped = await mapPage(stream, page.raw, page.parent === undefined ? {} : { parent: page.parent });
      if (mapped.length > remaining) mapped = mapped.slice(0, remaining);
      remaining -= mapped.length;
      tracker?.observe(mapped);
      this.records += mapped.length;
      const out: ReadPage = { records: mapped, state: stateWith(tracker?.checkpoint()) };
      yield out;
      this.committed = out.state;
      await this.opts.onPage?.(out);
      if (remaining <= 0) return;
    }
    this.complete = true;
    const final = stateWith(tracker?.final());
    // A stream that arrived out of order could not checkpoint its maximum mid-read; now that
    // every record is in, one empty page carries the final state to page consumers.
    if (final.cursor !== this.committed.cursor) {
      const out: ReadPage = { records: [], state: final };
      yield out;
      await this.opts.onPage?.(out);
    }
    this.committed = final;
  }

  /** Raw pages of `stream`; for a child stream, its pages for every raw record of the parent. */
  private async *rawPages(rc: ResolvedConnection, stream: PlanStream, ctx: TemplateContext, depth: number): AsyncGenerator<RawPage, void, undefined> {
    if (!stream.parent) {
      yield* this.fetch(rc, stream, ctx);
      return;
    }
    if (depth >= MAX_PARENT_DEPTH) {
      throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `Stream ${stream.name}: parent chain deeper than ${MAX_PARENT_DEPTH} (a cycle?)`, location: stream.loc });
    }
    const parent = findStream(rc, stream.parent);
    // The parent is read in full every time: its own state belongs to its own reads.
    const parentState: StreamState = {};
    const pc = initialCursor(parent, { ...rc.base, state: parentState }, parentState);
    if (pc !== undefined) parentState.cursor = pc;
    for await (const pp of this.rawPages(rc, parent, { ...rc.base, state: parentState }, depth + 1)) {
      for (const record of pp.raw) {
        for await (const child of this.fetch(rc, stream, { ...ctx, parent: record })) yield { raw: child.raw, parent: record };
      }
    }
  }

  private async *fetch(rc: ResolvedConnection, stream: PlanStream, ctx: TemplateContext): AsyncGenerator<RawPage, void, undefined> {
    const render = (page?: Record<string, unknown>) => renderRequest(stream.request, stream.http, page ? { ...ctx, page } : ctx, renderOptions(rc));
    const request = await render(stream.request.usesPage ? {} : undefined);
    if (stream.request.usesPage) request.page = {};
    const sendOpts = { http: stream.http, operation: `stream:${this.streamName}`, signal: this.opts.signal };
    for await (const page of drivePages({
      pagination: stream.http.pagination,
      paginator: this.paginatorFor(stream),
      request,
      render,
      send: (req) => this.rt.send(rc, req, sendOpts),
      select: (res) => selectRecords(stream.records, res),
      signal: this.opts.signal,
    })) {
      this.pages++;
      yield { raw: page.records };
    }
  }

  private paginatorFor(stream: PlanStream): Paginator {
    let p = this.paginators.get(stream.name);
    if (!p) this.paginators.set(stream.name, (p = createPaginator(stream.http.pagination)));
    return p;
  }
}

export function read(rt: OperationRuntime, resolve: () => ResolvedConnection, stream: string, opts: ReadOptions = {}): ReadHandle {
  return new StreamReader(rt, resolve, stream, opts);
}

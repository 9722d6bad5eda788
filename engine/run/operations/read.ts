/**
 * Reading a stream: pages are fetched lazily, records selected and mapped a page at a time,
 * and handed out either one by one or per page with the state to resume from. Nothing but
 * the current page and the state (stream-state.ts) is held, whatever the stream's size.
 */
import { ConnectorError } from '../../core/errors.js';
import { renderRequest, type TemplateContext } from '../http/render.js';
import type { OutboundRequest } from '../../core/wire.js';
import { planStream, type PlanStream } from '../../plan/plan.js';
import { drivePages } from '../../components/pagination/drive.js';
import type { Paginator } from '../../components/pagination/protocol.js';
import { createPaginator } from '../../components/pagination/registry.js';
import { renderOptions, type ResolvedConnection } from './context.js';
import type { Page } from '../../components/pagination/protocol.js';
import { followUrl } from '../../components/pagination/params.js';
import { truthy } from '../../lang/truthy.js';
import { externalIdOf } from './keys.js';
import { mapPage, mappingValues, selectRecords } from './records.js';
import { ParentSlots, refusalOf, resumesFrom, resumeUrl, Slot, StateRefused, type StreamState } from './stream-state.js';
import type { OperationRuntime } from './runtime.js';
import { unknownName } from './suggest.js';

export type { StreamState };

export interface ReadPage {
  records: Array<Record<string, unknown>>;
  /** Exactly what a later read needs to resume after this page. */
  state: StreamState;
  /** Records the provider reported deleted on this page (`deleted:`), mapped; absent for streams without it. */
  deleted?: Array<Record<string, unknown>>;
  /**
   * The provider refused the stored state (`state.reset_on`): this page carries the cleared
   * state, and the read starts over from the beginning, so what follows is a full read.
   */
  reset?: true;
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
  page: Page;
}

async function splitDeleted(stream: PlanStream, raw: unknown[]): Promise<{ live: unknown[]; dead: unknown[] }> {
  const test = stream.deleted;
  if (!test) return { live: raw, dead: [] };
  const live: unknown[] = [];
  const dead: unknown[] = [];
  for (const r of raw) (truthy(await test.evaluate(r)) ? dead : live).push(r);
  return { live, dead };
}

/** Each raw record's identity under the stream's primary key (undefined where it has none). */
async function keysOf(stream: PlanStream, raw: unknown[], bindings: Record<string, unknown>): Promise<Array<string | undefined>> {
  const mapped = await mapPage(stream, raw, bindings);
  // A mapping may drop a record ($map leaves out undefined), so the page can come back
  // shorter; then each record is mapped on its own to keep keys beside their records.
  if (mapped.length === raw.length) return mapped.map((r) => externalIdOf(stream, r));
  const out: Array<string | undefined> = [];
  for (const r of raw) {
    const [one] = await mapPage(stream, [r], bindings);
    out.push(one ? externalIdOf(stream, one) : undefined);
  }
  return out;
}

const sameState = (a: StreamState, b: StreamState) => JSON.stringify(a) === JSON.stringify(b);

/** The first request of a resumed read: the stored URL, on the API's own origin only. */
function resumeAt(stream: PlanStream, request: OutboundRequest, url: string): OutboundRequest {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new ConnectorError({ kind: 'client', origin: 'provider', message: `Stream ${stream.name}: state.resume is not an absolute URL: ${JSON.stringify(url).slice(0, 200)}`, location: stream.loc });
  }
  const api = new URL(request.url);
  if (target.origin !== api.origin) {
    throw new ConnectorError({ kind: 'client', origin: 'provider', message: `Stream ${stream.name}: the stored resume URL leaves the API origin (${api.origin} → ${target.origin}); refusing to send credentials there`, location: stream.loc });
  }
  return followUrl(request, url, false);
}

/** A stream of the plan, or the discovered one the connection was resolved for (context.ts withDiscovered). */
export function findStream(rc: ResolvedConnection, name: string): PlanStream {
  const stream = rc.discovered?.name === name ? rc.discovered : planStream(rc.plan, name);
  if (!stream) throw new ConnectorError({ kind: 'config', origin: 'caller', message: `Connector ${rc.plan.id}: ${unknownName('stream', name, Object.keys(rc.plan.streams))}` });
  return stream;
}

class StreamReader implements ReadHandle {
  pages = 0;
  records = 0;
  complete = false;
  private committed: StreamState;
  private remaining: number;
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
    this.remaining = opts.limit ?? Infinity;
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
    if ((this.opts.limit ?? Infinity) <= 0) {
      this.committed = { ...this.opts.state };
      return;
    }
    try {
      yield* this.readFrom(rc, stream, this.opts.state ?? {});
    } catch (err) {
      if (!(err instanceof StateRefused)) throw err;
      // Pages read before the refusal stay read (a later full read upserts them again); the
      // cleared state is committed first, so a crash from here on also starts from scratch.
      const out: ReadPage = { records: [], state: {}, reset: true, ...(stream.deleted ? { deleted: [] } : {}) };
      yield out;
      this.committed = out.state;
      await this.opts.onPage?.(out);
      try {
        yield* this.readFrom(rc, stream, {});
      } catch (again) {
        // Refused with no state at all: that is the provider's answer, not a stale token.
        throw again instanceof StateRefused ? again.error : again;
      }
    }
  }

  /** One read from `given`: a stream's pages, or a child stream's pages for every parent record. */
  private async *readFrom(rc: ResolvedConnection, stream: PlanStream, given: StreamState): AsyncGenerator<ReadPage, void, undefined> {
    if (!stream.parent) {
      const slot = new Slot(stream, rc.base, given);
      this.committed = slot.start;
      for await (const page of this.fetch(rc, stream, { ...rc.base, state: slot.start }, resumesFrom(given))) {
        const out = await this.take(stream, slot, page, mappingValues(rc.base), () => slot.checkpoint());
        yield out;
        this.committed = out.state;
        await this.opts.onPage?.(out);
        if (this.remaining <= 0) return;
      }
      yield* this.finish(slot.final());
      return;
    }
    const slots = new ParentSlots(given);
    this.committed = slots.with(undefined, undefined);
    // Only a child that keeps something per parent needs to know which parent a record is.
    const keyed = stream.cursor !== undefined || (stream.state?.keep.length ?? 0) > 0;
    for await (const { record, key } of this.parentRecords(rc, findStream(rc, stream.parent), 1, keyed)) {
      const from = key === undefined ? {} : slots.startFor(key);
      const slot = new Slot(stream, rc.base, from);
      const ctx = { ...rc.base, parent: record, state: slot.start };
      for await (const page of this.fetch(rc, stream, ctx, resumesFrom(from))) {
        const out = await this.take(stream, slot, page, { ...mappingValues(rc.base), parent: record }, () => slots.with(key, slot.checkpoint()));
        yield out;
        this.committed = out.state;
        await this.opts.onPage?.(out);
        if (this.remaining <= 0) return;
      }
      if (key !== undefined) slots.finish(key, slot.final());
    }
    yield* this.finish(slots.final());
  }

  /** The records of one fetched page, within `limit`, with the state after it. */
  private async take(stream: PlanStream, slot: Slot, page: RawPage, bindings: Record<string, unknown>, stateAfter: () => StreamState): Promise<ReadPage> {
    const { live, dead } = await splitDeleted(stream, page.raw);
    let mapped = await mapPage(stream, live, bindings);
    // A page cut short by `limit` was not read to its end: a token it carries would skip the rest.
    const whole = mapped.length <= this.remaining;
    if (!whole) mapped = mapped.slice(0, this.remaining);
    this.remaining -= mapped.length;
    await slot.observe(whole ? page.page : undefined, mapped);
    this.records += mapped.length;
    const out: ReadPage = { records: mapped, state: stateAfter() };
    if (stream.deleted) out.deleted = dead.length === 0 ? [] : await mapPage(stream, dead, bindings);
    return out;
  }

  /**
   * The read went to its end. A stream that arrived out of order could not checkpoint its
   * maximum mid-read; now that every record is in, one empty page carries the final state.
   */
  private async *finish(final: StreamState): AsyncGenerator<ReadPage, void, undefined> {
    this.complete = true;
    if (!sameState(final, this.committed)) {
      const out: ReadPage = { records: [], state: final };
      yield out;
      await this.opts.onPage?.(out);
    }
    this.committed = final;
  }

  /**
   * Every raw record of a parent stream with its identity (the parent's primary key over its
   * mapped record), which keys the child's state. The parent is read in full every time: its
   * own state belongs to its own reads.
   */
  private async *parentRecords(rc: ResolvedConnection, parent: PlanStream, depth: number, keyed = false): AsyncGenerator<{ record: unknown; key?: string }, void, undefined> {
    if (depth >= MAX_PARENT_DEPTH) {
      throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `Stream ${parent.name}: parent chain deeper than ${MAX_PARENT_DEPTH} (a cycle?)`, location: parent.loc });
    }
    const pages: AsyncIterable<{ raw: unknown[]; bindings: Record<string, unknown> }> = parent.parent
      ? this.grouped(this.parentRecords(rc, findStream(rc, parent.parent), depth + 1), rc, parent)
      : this.mapFetched(rc, this.fetch(rc, parent, { ...rc.base, state: new Slot(parent, rc.base, {}).start }, false));
    for await (const { raw, bindings } of pages) {
      const keys = keyed ? await keysOf(parent, raw, bindings) : [];
      for (let i = 0; i < raw.length; i++) yield { record: raw[i], key: keys[i] };
    }
  }

  private async *mapFetched(rc: ResolvedConnection, pages: AsyncIterable<RawPage>): AsyncGenerator<{ raw: unknown[]; bindings: Record<string, unknown> }, void, undefined> {
    const bindings = mappingValues(rc.base);
    for await (const p of pages) yield { raw: p.raw, bindings };
  }

  /** A middle stream of a chain: its raw records for each of its own parent records. */
  private async *grouped(parents: AsyncIterable<{ record: unknown }>, rc: ResolvedConnection, stream: PlanStream): AsyncGenerator<{ raw: unknown[]; bindings: Record<string, unknown> }, void, undefined> {
    for await (const { record } of parents) {
      for await (const p of this.fetch(rc, stream, { ...rc.base, parent: record, state: new Slot(stream, rc.base, {}).start }, false)) yield { raw: p.raw, bindings: { ...mappingValues(rc.base), parent: record } };
    }
  }

  private async *fetch(rc: ResolvedConnection, stream: PlanStream, ctx: TemplateContext, resuming: boolean): AsyncGenerator<RawPage, void, undefined> {
    const render = (page?: Record<string, unknown>) => renderRequest(stream.request, stream.http, page ? { ...ctx, page } : ctx, renderOptions(rc));
    let request = await render(stream.request.usesPage ? {} : undefined);
    if (stream.request.usesPage) request.page = {};
    const resume = resumeUrl(stream, ctx);
    if (resume !== undefined) request = resumeAt(stream, request, resume);
    const sendOpts = { http: stream.http, operation: `stream:${this.streamName}`, signal: this.opts.signal };
    for await (const page of drivePages({
      pagination: stream.http.pagination,
      paginator: this.paginatorFor(stream),
      request,
      render,
      send: (req) => this.rt.send(rc, req, sendOpts).catch((err: unknown) => {
        throw refusalOf(stream, resuming, err);
      }),
      select: (res) => selectRecords(stream.records, res),
      signal: this.opts.signal,
    })) {
      this.pages++;
      yield { raw: page.records, page };
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

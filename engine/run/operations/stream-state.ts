/**
 * A stream's state between runs: the cursor (the largest `cursor.field` seen) and the values
 * `state.keep` takes from responses (sync tokens, delta links). A child stream keeps one such
 * slot per parent record under `parents`, keyed by the parent's primary key, so one parent's
 * progress never moves another's. docs/storage.md "Stream state" says what is stored when.
 */
import { ConnectorError, isConnectorError } from '../../core/errors.js';
import { isEmptyToken, pageBindings, type Page } from '../../components/pagination/protocol.js';
import type { TemplateContext } from '../../lang/template.js';
import type { PlanStream } from '../../plan/plan.js';
import { CursorTracker } from './cursor-state.js';

export type StreamState = Record<string, unknown> & { cursor?: string | number };

type CursorValue = string | number;

function initialCursor(stream: PlanStream, ctx: TemplateContext, state: StreamState | undefined): CursorValue | undefined {
  const given = state?.cursor;
  if (given !== undefined && given !== null && given !== '') return given;
  const t = stream.cursor?.initial;
  if (!t) return undefined;
  const v = t.whole ? t.value(ctx) : t.render(ctx);
  return typeof v === 'number' || (typeof v === 'string' && v !== '') ? v : undefined;
}

/** True when a state says where to resume (a cursor, a kept value, a parent's slot), i.e. a read from it is not from the beginning. */
export function resumesFrom(state: StreamState | undefined): boolean {
  if (!state) return false;
  return Object.entries(state).some(([k, v]) => (k === 'parents' ? typeof v === 'object' && v !== null && Object.keys(v).length > 0 : !isEmptyToken(v)));
}

/** One read position: a cursor tracker and the kept values, over the state it started from. */
export class Slot {
  private readonly tracker?: CursorTracker;
  private readonly kept: Record<string, unknown> = {};
  readonly cursor0: CursorValue | undefined;

  constructor(private readonly stream: PlanStream, ctx: TemplateContext, private readonly given: StreamState) {
    this.cursor0 = initialCursor(stream, { ...ctx, state: given }, given);
    if (stream.cursor) this.tracker = new CursorTracker(stream.cursor.field, this.cursor0);
  }

  /** The state templates see for this slot's requests. */
  get start(): StreamState {
    return this.compose(this.cursor0);
  }

  /** Takes what the page's response and its mapped records say. */
  async observe(page: Page | undefined, mapped: ReadonlyArray<Record<string, unknown>>): Promise<void> {
    this.tracker?.observe(mapped);
    if (!page || !this.stream.state) return;
    for (const { name, expr } of this.stream.state.keep) {
      const v = await expr.evaluate(page.response.body, pageBindings(page));
      if (!isEmptyToken(v)) this.kept[name] = v;
    }
  }

  checkpoint(): StreamState {
    return this.compose(this.tracker?.checkpoint());
  }

  final(): StreamState {
    return this.compose(this.tracker?.final());
  }

  private compose(cursor: CursorValue | undefined): StreamState {
    const out: StreamState = { ...this.given, ...this.kept };
    if (cursor !== undefined) out.cursor = cursor;
    return out;
  }
}

/** A child stream that keeps nothing per parent has no `parents` to show. */
const withParents = (rest: StreamState, parents: Record<string, StreamState>): StreamState =>
  (Object.keys(parents).length === 0 ? rest : { ...rest, parents });

/**
 * The state a read hands out: a slot's own for a stream, or for a child stream the slots of
 * every parent so far (finished ones at their final value, the current one at its checkpoint).
 */
export class ParentSlots {
  private readonly done: Record<string, StreamState>;
  private readonly seen = new Set<string>();

  constructor(private readonly given: StreamState) {
    const p = given.parents;
    this.done = typeof p === 'object' && p !== null && !Array.isArray(p) ? { ...(p as Record<string, StreamState>) } : {};
  }

  /**
   * The slot a parent starts from: its own, else the stream-wide cursor an earlier version
   * kept for every parent (so upgrading does not read every child from the start).
   */
  startFor(key: string): StreamState {
    const own = this.done[key];
    if (own) return own;
    return this.given.cursor === undefined ? {} : { cursor: this.given.cursor };
  }

  finish(key: string, state: StreamState): void {
    this.done[key] = state;
    this.seen.add(key);
  }

  /** After a complete read: the slots of the parents that are still there. */
  final(): StreamState {
    const { cursor: _legacy, parents: _p, ...rest } = this.given;
    const parents: Record<string, StreamState> = {};
    for (const k of this.seen) parents[k] = this.done[k];
    return withParents(rest, parents);
  }

  with(key: string | undefined, current: StreamState | undefined): StreamState {
    const { cursor: _legacy, parents: _p, ...rest } = this.given;
    const parents = key === undefined || current === undefined ? { ...this.done } : { ...this.done, [key]: current };
    return withParents(rest, parents);
  }
}

/** Thrown inside a read when the provider refuses the stored state (`state.reset_on`). */
export class StateRefused extends Error {
  constructor(readonly error: ConnectorError) {
    super(error.message);
  }
}

/** Wraps a send so that a refusal of stored state is told apart from any other failure. */
export function refusalOf(stream: PlanStream, resuming: boolean, err: unknown): unknown {
  const statuses = stream.state?.resetOn;
  if (!resuming || !statuses?.length || !isConnectorError(err) || err.status === undefined) return err;
  return statuses.includes(err.status) ? new StateRefused(err) : err;
}

/** The resume URL a slot's state names, or undefined to start with the stream's own request. */
export function resumeUrl(stream: PlanStream, ctx: TemplateContext): string | undefined {
  const t = stream.state?.resume;
  if (!t) return undefined;
  let url: string;
  try {
    url = t.render(ctx);
  } catch (err) {
    throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `Stream ${stream.name}: state.resume failed: ${(err as Error).message}`, location: stream.loc, cause: err });
  }
  return url.trim() === '' ? undefined : url.trim();
}

/**
 * `fetch`: most providers send ids, not records. This calls a declared action of the
 * connector for the event (or for each item of a list in it) and binds the result as
 * `fetched` for the route's other actions. Calls go through the connection like an API
 * caller's (auth, the connector's rate limits and retries, the outbound guard); a failure
 * fails the route, so the event is retried as a whole. A provider's "not found" means the
 * record is gone, which is no failure unless the route says so (`missing: fail`, for a
 * provider that announces records before it serves them).
 */
import { ConnectorError, isConnectorError } from '../../core/errors.js';
import type { CompiledExpr } from '../../lang/expr.js';
import { plain } from '../../lang/plain.js';
import { expression, literal, schemaOf } from '../kit.js';
import { asRecords } from '../pagination/drive.js';
import { defineRouteAction, type RouteActionBase, type RouteContext } from './protocol.js';

export const DEFAULT_FETCH_CONCURRENCY = 4;
export const MAX_FETCH_CONCURRENCY = 32;

export interface FetchAction extends RouteActionBase {
  type: 'fetch';
  /** Exactly one of `action` (with `input`) and `stream` (with `id`). */
  action?: string;
  input?: Record<string, CompiledExpr>;
  stream?: string;
  id?: CompiledExpr;
  forEach?: CompiledExpr;
  concurrency: number;
  raw: boolean;
  missing: 'skip' | 'fail';
}

const isMissing = (err: unknown) => isConnectorError(err) && err.kind === 'not_found' && err.origin === 'provider';

async function inputFor(ctx: RouteContext<FetchAction>, item: unknown): Promise<Record<string, unknown>> {
  const scope = item === undefined ? ctx.input : { ...ctx.input, item };
  const out: Record<string, unknown> = {};
  for (const [name, expr] of Object.entries(ctx.config.input ?? {})) {
    const v = plain(await expr.evaluate(scope));
    // JSONata's "no value" leaves the field out, as an absent property of the action's input.
    if (v !== undefined) out[name] = v;
  }
  return out;
}

async function idFor(ctx: RouteContext<FetchAction>, item: unknown): Promise<string> {
  const v = plain(await ctx.config.id!.evaluate(item === undefined ? ctx.input : { ...ctx.input, item }));
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  throw new ConnectorError({ kind: 'mapping', origin: 'manifest', message: `route fetch of stream ${ctx.config.stream}: \`id\` gave ${v === undefined ? 'nothing' : JSON.stringify(v)?.slice(0, 80)}, not a record id` });
}

/** One fetch; a missing record answers `undefined` when the route skips those. */
async function fetchOne(ctx: RouteContext<FetchAction>, item: unknown): Promise<unknown> {
  const c = ctx.config;
  try {
    if (c.stream !== undefined) return await ctx.services.get(c.stream, await idFor(ctx, item), { raw: c.raw });
    return await ctx.services.call(c.action!, await inputFor(ctx, item), { raw: c.raw });
  } catch (err) {
    if (ctx.config.missing === 'skip' && isMissing(err)) return undefined;
    throw err;
  }
}

/**
 * Runs `fn` over the items with at most `limit` in flight, results in item order. After a
 * failure no new call starts, the calls in flight are awaited, and the first failure is
 * thrown: the event is retried whole, so finishing the rest would only spend rate budget.
 */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.err;
  return results;
}

export const fetchAction = defineRouteAction({
  type: 'fetch',
  description: 'Fetch the record(s) an event names, by calling an action of this connector (`action`, `input`) or by a stream\'s single-record request (`stream`, `id`); the result is `fetched` in the route\'s other actions. Runs first.',
  provides: 'fetched',
  fields: {
    action: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Action to call, e.g. `get_contact`.', ref: 'action' }),
    stream: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Instead of `action`: a stream whose single-record request (`get:`) reads the record by `id`.', ref: 'stream' }),
    id: expression({ inputNames: ['item'], description: 'With `stream`: the record id, an expression over `event`, `body`, `headers` (and `item` with `for_each`), e.g. `$string(event.objectId)`' }),
    input: expression({ map: true, inputNames: ['item'], description: 'The action\'s input, each value an expression over `event`, `body`, `headers` (and `item` with `for_each`), e.g. `{ id: $string(event.objectId) }`' }),
    for_each: expression({ description: 'A list in the event to fetch one record per item of (`item` in `input`); `fetched` is then the list of results' }),
    concurrency: literal({
      schema: schemaOf<number>({ type: 'integer', minimum: 1, maximum: MAX_FETCH_CONCURRENCY }),
      description: 'With `for_each`: calls in flight at once (the connector\'s rate limits apply as well).',
      default: DEFAULT_FETCH_CONCURRENCY,
    }),
    raw: literal({
      schema: schemaOf<boolean>({ type: 'boolean' }),
      description: 'Bind the provider\'s response body rather than the action\'s `output`: what `upsert` wants, since it maps records through the stream\'s own mapping.',
      default: false,
    }),
    missing: literal({
      schema: schemaOf<'skip' | 'fail'>({ enum: ['skip', 'fail'] }),
      description: 'When the provider answers "not found": `skip` (the record is gone; without `for_each` the rest of the route does not run, with it the item is left out of `fetched`) or `fail` (the event is retried).',
      default: 'skip',
    }),
  },
  check(block, report) {
    const has = (k: string) => block[k] !== undefined;
    if (has('action') === has('stream')) {
      report({ path: [], which: 'key', code: 'invalid-format', message: has('action') ? 'a fetch names `action` or `stream`, not both' : 'a fetch needs `action` (with `input`) or `stream` (with `id`)' });
    } else if (has('stream') && !has('id')) {
      report({ path: ['stream'], which: 'key', code: 'missing-key', message: 'a fetch by `stream` needs `id`, the record id to read' });
    } else if (has('stream') && has('input')) {
      report({ path: ['input'], which: 'key', code: 'invalid-format', message: '`input` is for an `action`; a fetch by `stream` takes `id`' });
    } else if (has('action') && has('id')) {
      report({ path: ['id'], which: 'key', code: 'invalid-format', message: '`id` is for a fetch by `stream`; an `action` takes `input`' });
    }
  },
  compile: (f) => ({
    ...(f.action !== undefined ? { action: f.action } : {}),
    ...(f.stream !== undefined ? { stream: f.stream } : {}),
    ...(f.id ? { id: f.id } : {}),
    ...(f.input ? { input: f.input } : {}),
    ...(f.for_each ? { forEach: f.for_each } : {}),
    concurrency: f.concurrency,
    raw: f.raw,
    missing: f.missing,
  }),
  summary: (c: FetchAction) => `fetch ${c.stream !== undefined ? `${c.stream} by id` : c.action}${c.forEach ? ' for each' : ''}`,
  async run(ctx) {
    if (!ctx.config.forEach) {
      const value = await fetchOne(ctx, undefined);
      return value === undefined ? { skip: true } : { value };
    }
    // One item selected is a list of one; nothing selected fetches nothing.
    const items = asRecords(plain(await ctx.config.forEach.evaluate(ctx.input)));
    const results = await pool(items, ctx.config.concurrency, (item) => fetchOne(ctx, item));
    return { value: results.filter((r) => r !== undefined) };
  },
});

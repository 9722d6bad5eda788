/** Actions, streams and the check: a request plus the merged http block and expressions. */
import type { Path } from '../manifest/diagnostics.js';
import type { CompileContext } from './compile-context.js';
import { compileHttp, layersFor } from './compile-http.js';
import { compileRequest } from './compile-request.js';
import { compileSchema } from './compile-schemas.js';
import { isPlainObject } from '../core/objects.js';
import { pageMapper, wrapMapping } from '../lang/mapping.js';
import type { PlanAction, PlanCheck, PlanHttp, PlanStream, PlanStreamState } from './plan.js';
import { proofHost } from '../manifest/proof-origin.js';

type Obj = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const opt = <K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } => (v === undefined ? {} : ({ [key]: v } as { [P in K]?: V }));

export function compileCheck(ctx: CompileContext, m: Obj): PlanCheck | undefined {
  if (!isPlainObject(m.check) || !isPlainObject(m.check.request)) return undefined;
  const c = m.check;
  const http = compileHttp(ctx, layersFor(m, c.http, ['check', 'http']));
  const origin = str((c.request as Obj).url) ?? http.baseUrl?.source;
  const fixed = isPlainObject(c.settings) && origin !== undefined ? proofHost(origin) : undefined;
  return {
    request: compileRequest(ctx, c.request as Obj, ['check', 'request']),
    http,
    ...opt('output', ctx.optExpr(['check', 'output'], c.output)),
    ...(isPlainObject(c.settings)
      ? { settings: Object.fromEntries(Object.entries(c.settings).map(([k, v]) => [k, ctx.expr(['check', 'settings', k], String(v))])) }
      : {}),
    ...opt('proofHost', fixed),
  };
}

export function compileAction(ctx: CompileContext, m: Obj, name: string, a: Obj): PlanAction {
  const path: Path = ['actions', name];
  const inputSchema = isPlainObject(a.input) ? a.input : undefined;
  return {
    name,
    ...opt('title', str(a.title)),
    ...opt('description', str(a.description)),
    ...opt('inputSchema', inputSchema),
    ...opt('validateInput', compileSchema(ctx, inputSchema, [...path, 'input'])),
    request: compileRequest(ctx, a.request as Obj, [...path, 'request']),
    http: compileHttp(ctx, layersFor(m, a.http, [...path, 'http'])),
    ...opt('output', ctx.optExpr([...path, 'output'], a.output)),
    paginate: a.paginate === true,
    ...opt('records', ctx.optExpr([...path, 'records'], a.records)),
    loc: ctx.loc(path, 'key'),
  };
}

function compileGet(ctx: CompileContext, m: Obj, s: Obj, path: Path): PlanStream['get'] {
  const g = s.get;
  if (!isPlainObject(g) || !isPlainObject(g.request)) return undefined;
  // One request, one record: the stream's paging never applies to it.
  const http = compileHttp(ctx, layersFor(m, s.http, [...path, 'http']));
  return {
    request: compileRequest(ctx, g.request, [...path, 'get', 'request']),
    http: { ...http, pagination: { type: 'none', maxPages: 1 } as PlanHttp['pagination'] },
    ...opt('record', ctx.optExpr([...path, 'get', 'record'], g.record)),
  };
}

function compileStreamState(ctx: CompileContext, s: Obj, path: Path): PlanStreamState | undefined {
  const st = s.state;
  if (!isPlainObject(st)) return undefined;
  const keep = isPlainObject(st.keep)
    ? Object.entries(st.keep).map(([name, src]) => ({ name, expr: ctx.expr([...path, 'state', 'keep', name], String(src)) }))
    : [];
  return {
    keep,
    ...opt('resume', ctx.optTemplate([...path, 'state', 'resume'], st.resume)),
    resetOn: Array.isArray(st.reset_on) ? st.reset_on.map(Number) : [],
  };
}

/** `path`: where the stream sits (a dynamic family's template is under `dynamic_streams`). */
export function compileStream(ctx: CompileContext, m: Obj, name: string, s: Obj, path: Path = ['streams', name]): PlanStream {
  const cursor = isPlainObject(s.cursor) ? s.cursor : undefined;
  const mapping = str(s.mapping);
  return {
    name,
    ...opt('title', str(s.title)),
    ...opt('description', str(s.description)),
    request: compileRequest(ctx, s.request as Obj, [...path, 'request']),
    http: compileHttp(ctx, layersFor(m, s.http, [...path, 'http'])),
    ...opt('records', ctx.optExpr([...path, 'records'], s.records)),
    primaryKey: Array.isArray(s.primary_key) ? s.primary_key.map(String) : [String(s.primary_key)],
    ...(cursor ? { cursor: { field: String(cursor.field), ...opt('initial', ctx.optTemplate([...path, 'cursor', 'initial'], cursor.initial)) } } : {}),
    ...opt('model', str(s.model)),
    ...opt('mapPage', mapping === undefined ? undefined : pageMapper(ctx.expr([...path, 'mapping'], wrapMapping(mapping)))),
    ...opt('parent', isPlainObject(s.parent) ? str(s.parent.stream) : undefined),
    markDeleted: isPlainObject(s.full_refresh) && s.full_refresh.mark_deleted === true,
    ...opt('deleted', ctx.optExpr([...path, 'deleted'], s.deleted)),
    ...opt('state', compileStreamState(ctx, s, path)),
    ...opt('get', compileGet(ctx, m, s, path)),
    loc: ctx.loc(path, 'key'),
  };
}

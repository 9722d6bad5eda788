/** `dynamic_streams`: each family's discovery request and expressions, and its stream template compiled once. */
import type { Path } from '../manifest/diagnostics.js';
import type { CompileContext } from './compile-context.js';
import { compileHttp, layersFor } from './compile-http.js';
import { compileRequest } from './compile-request.js';
import { compileStream } from './compile-operations.js';
import { isPlainObject } from '../core/objects.js';
import type { PlanDynamicFamily, PlanHttp } from './plan.js';

type Obj = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const opt = <K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } => (v === undefined ? {} : ({ [key]: v } as { [P in K]?: V }));

function compileFamily(ctx: CompileContext, m: Obj, name: string, f: Obj): PlanDynamicFamily | undefined {
  const d = f.discover;
  if (!isPlainObject(d) || !isPlainObject(d.request) || !isPlainObject(f.stream)) return undefined;
  const path: Path = ['dynamic_streams', name];
  const at: Path = [...path, 'discover'];
  // Discovery answers one list; the connector's paging belongs to the reads.
  const http = compileHttp(ctx, layersFor(m, d.http, [...at, 'http']));
  return {
    name,
    ...opt('title', str(f.title)),
    ...opt('description', str(f.description)),
    discover: {
      request: compileRequest(ctx, d.request, [...at, 'request']),
      http: { ...http, pagination: { type: 'none', maxPages: 1 } as PlanHttp['pagination'] },
      items: ctx.expr([...at, 'items'], String(d.items)),
      key: ctx.expr([...at, 'key'], String(d.key)),
      ...opt('title', ctx.optExpr([...at, 'title'], d.title)),
      ...opt('primaryKey', ctx.optExpr([...at, 'primary_key'], d.primary_key)),
    },
    template: compileStream(ctx, m, name, f.stream, [...path, 'stream']),
    loc: ctx.loc(path, 'key'),
  };
}

export function compileDynamicStreams(ctx: CompileContext, m: Obj): Record<string, PlanDynamicFamily> {
  // Prototype-less, like the plan's other tables.
  const out: Record<string, PlanDynamicFamily> = Object.create(null);
  if (!isPlainObject(m.dynamic_streams)) return out;
  for (const [name, f] of Object.entries(m.dynamic_streams)) {
    const family = isPlainObject(f) ? compileFamily(ctx, m, name, f) : undefined;
    if (family) out[name] = family;
  }
  return out;
}

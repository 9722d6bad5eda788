/** A manifest `request` block → PlanRequest: every string leaf a compiled template. */
import type { Path } from '../manifest/diagnostics.js';
import type { CompileContext } from './compile-context.js';
import { isPlainObject } from '../core/objects.js';
import type { BodyNode, HttpMethod, PlanRequest } from './plan.js';
import { templateVariables } from '../lang/template.js';
import { exprNames } from '../lang/expr-names.js';

function readsPage(source: string): boolean {
  try {
    return templateVariables(source).some((v) => v === 'page' || v.startsWith('page.'));
  } catch {
    return false; // the template's own diagnostic says what is wrong with it
  }
}

/** Every template source of a request block (path, url, query, headers, body leaves). */
function templateSources(req: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (isPlainObject(v)) Object.values(v).forEach(walk);
  };
  for (const k of ['path', 'url', 'query', 'headers', 'body'] as const) walk(req[k]);
  return out;
}

function usesPage(req: Record<string, unknown>): boolean {
  if (templateSources(req).some(readsPage)) return true;
  return typeof req.body_expr === 'string' && (exprNames(req.body_expr)?.heads.some((h) => h.name === 'page') ?? false);
}

function literalTemplateSource(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

export function compileBody(ctx: CompileContext, value: unknown, path: Path): BodyNode {
  if (typeof value === 'string') return { kind: 'template', template: ctx.template(path, value) };
  if (Array.isArray(value)) return { kind: 'array', items: value.map((v, i) => compileBody(ctx, v, [...path, i])) };
  if (isPlainObject(value)) return { kind: 'object', entries: Object.entries(value).map(([k, v]) => [k, compileBody(ctx, v, [...path, k])]) };
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return { kind: 'literal', value };
  return { kind: 'literal', value: null };
}

export function compileRequest(ctx: CompileContext, req: Record<string, unknown>, path: Path): PlanRequest {
  const query: PlanRequest['query'] = [];
  if (isPlainObject(req.query)) {
    for (const [name, v] of Object.entries(req.query)) {
      const repeated = Array.isArray(v);
      const items = repeated ? v : [v];
      query.push({ name, repeated, values: items.map((item, i) => ctx.template(repeated ? [...path, 'query', name, i] : [...path, 'query', name], literalTemplateSource(item))) });
    }
  }
  const headers: PlanRequest['headers'] = [];
  if (isPlainObject(req.headers)) {
    for (const [name, v] of Object.entries(req.headers)) headers.push({ name, template: ctx.template([...path, 'headers', name], String(v)) });
  }
  return {
    method: (typeof req.method === 'string' ? req.method : 'GET') as HttpMethod,
    ...(typeof req.path === 'string' ? { path: ctx.template([...path, 'path'], req.path, 'path') } : {}),
    ...(typeof req.url === 'string' ? { url: ctx.template([...path, 'url'], req.url, 'url') } : {}),
    query,
    headers,
    ...(req.body !== undefined ? { body: compileBody(ctx, req.body, [...path, 'body']) } : {}),
    ...(typeof req.body_expr === 'string' ? { bodyExpr: ctx.expr([...path, 'body_expr'], req.body_expr) } : {}),
    ...(usesPage(req) ? { usesPage: true } : {}),
    loc: ctx.loc(path, 'key'),
  };
}

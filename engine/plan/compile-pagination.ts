/** One small compiler per pagination kind; the engine's paginators read the result. */
import type { CompiledExpr } from '../lang/expr.js';
import type { Path } from '../manifest/diagnostics.js';
import type { CompileContext } from './compile-context.js';
import { isPlainObject } from '../manifest/extends.js';
import type { PlanPagination } from './plan.js';

export const DEFAULT_MAX_PAGES = 10_000;

type Spec = Record<string, unknown>;
type Common = { sizeParam?: string; size?: number; maxPages: number; stopWhen?: CompiledExpr };
type KindCompiler = (ctx: CompileContext, p: Spec, path: Path, common: Common) => PlanPagination;

function common(ctx: CompileContext, p: Spec, path: Path): Common {
  return {
    ...(typeof p.size_param === 'string' ? { sizeParam: p.size_param } : {}),
    ...(typeof p.size === 'number' ? { size: p.size } : {}),
    maxPages: typeof p.max_pages === 'number' ? p.max_pages : DEFAULT_MAX_PAGES,
    ...(typeof p.stop_when === 'string' ? { stopWhen: ctx.expr([...path, 'stop_when'], p.stop_when) } : {}),
  };
}

const KINDS: Record<string, KindCompiler> = {
  cursor: (ctx, p, path, c) => {
    const param = isPlainObject(p.param) ? p.param : {};
    return {
      type: 'cursor', ...c,
      next: ctx.expr([...path, 'next'], String(p.next)),
      param: { in: (param.in as 'query' | 'body' | 'header' | undefined) ?? 'query', name: String(param.name) },
    };
  },
  offset: (_ctx, p, _path, c) => ({
    type: 'offset', ...c,
    offsetParam: typeof p.offset_param === 'string' ? p.offset_param : 'offset',
    start: typeof p.start === 'number' ? p.start : 0,
  }),
  page: (_ctx, p, _path, c) => ({
    type: 'page', ...c,
    pageParam: typeof p.page_param === 'string' ? p.page_param : 'page',
    start: typeof p.start === 'number' ? p.start : 1,
  }),
  link_header: (_ctx, p, _path, c) => ({ type: 'link_header', ...c, rel: typeof p.rel === 'string' ? p.rel : 'next' }),
  next_url: (ctx, p, path, c) => ({ type: 'next_url', ...c, next: ctx.expr([...path, 'next'], String(p.next)) }),
};

export function compilePagination(ctx: CompileContext, spec: unknown, path: Path): PlanPagination {
  if (!isPlainObject(spec) || typeof spec.type !== 'string' || !KINDS[spec.type]) {
    const maxPages = isPlainObject(spec) && typeof spec.max_pages === 'number' ? spec.max_pages : DEFAULT_MAX_PAGES;
    return { type: 'none', maxPages };
  }
  return KINDS[spec.type](ctx, spec, path, common(ctx, spec, path));
}

/**
 * A pagination block → its plan config. The shared fields compile here; the kind's own
 * fields compile from its declarations and its `compile` shapes the result.
 */
import { resolveFields, type Json } from '../components/kit.js';
import type { Path } from '../manifest/diagnostics.js';
import type { CompileContext } from './compile-context.js';
import { isPlainObject } from '../core/objects.js';
import type { PageCommon, PaginationPlanBase, PlanPagination } from './plan.js';
import { DEFAULT_MAX_PAGES, paginators } from '../components/pagination/registry.js';

export { DEFAULT_MAX_PAGES };

export function compilePagination(ctx: CompileContext, spec: unknown, path: Path): PlanPagination {
  const kind = isPlainObject(spec) ? paginators.get(spec.type) : undefined;
  if (!isPlainObject(spec) || !kind) {
    const maxPages = isPlainObject(spec) && typeof spec.max_pages === 'number' ? spec.max_pages : DEFAULT_MAX_PAGES;
    return { type: 'none', maxPages };
  }
  const s = resolveFields(ctx, paginators.options.shared ?? {}, spec, path) as Json;
  const common: PageCommon = {
    ...(typeof s.size_param === 'string' ? { sizeParam: s.size_param } : {}),
    ...(typeof s.size === 'number' ? { size: s.size } : {}),
    maxPages: typeof s.max_pages === 'number' ? s.max_pages : DEFAULT_MAX_PAGES,
    ...(s.stop_when !== undefined ? { stopWhen: s.stop_when as PageCommon['stopWhen'] } : {}),
  };
  const own = resolveFields(ctx, kind.fields ?? {}, spec, path);
  const config: PaginationPlanBase = kind.compile ? kind.compile(own, common) : { type: kind.type, ...common, ...own };
  // A host's kind compiles to its own config type; plans name them all PlanPagination.
  return config as PlanPagination;
}

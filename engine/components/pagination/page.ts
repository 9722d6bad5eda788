/** Page-number pagination: the page number grows by one; an empty or short page ends it. */
import type { PlanPagination } from '../../plan/plan.js';
import type { PaginatorFactory } from './protocol.js';
import { defaultPlacement, getParam, setParam, withSize } from './params.js';

type PageSpec = Extract<PlanPagination, { type: 'page' }>;

// Stateless like offset: the next number is read back from the previous request.
export const page: PaginatorFactory<PageSpec> = (spec) => ({
  first(req) {
    const where = defaultPlacement(req);
    return setParam(withSize(req, spec, where), where, spec.pageParam, spec.start);
  },
  async next(p) {
    const n = p.records.length;
    if (n === 0 || (spec.size !== undefined && n < spec.size)) return undefined;
    const where = defaultPlacement(p.request);
    const current = Number(getParam(p.request, where, spec.pageParam) ?? spec.start);
    return setParam(p.request, where, spec.pageParam, current + 1);
  },
  describe(req) {
    return `page ${String(getParam(req, defaultPlacement(req), spec.pageParam))}`;
  },
});

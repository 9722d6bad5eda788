/** Offset pagination: the offset grows by the records received; an empty or short page ends it. */
import type { PlanPagination } from '../../plan/plan.js';
import type { PaginatorFactory } from './protocol.js';
import { defaultPlacement, getParam, setParam, withSize } from './params.js';

type OffsetSpec = Extract<PlanPagination, { type: 'offset' }>;

// Stateless: the next offset is read back from the previous request, so one paginator can
// serve any number of runs (child streams reuse it per parent record).
export const offset: PaginatorFactory<OffsetSpec> = (spec) => ({
  first(req) {
    const where = defaultPlacement(req);
    return setParam(withSize(req, spec, where), where, spec.offsetParam, spec.start);
  },
  async next(page) {
    const n = page.records.length;
    if (n === 0 || (spec.size !== undefined && n < spec.size)) return undefined;
    const where = defaultPlacement(page.request);
    const current = Number(getParam(page.request, where, spec.offsetParam) ?? spec.start);
    return setParam(page.request, where, spec.offsetParam, current + n);
  },
  describe(req) {
    return `offset ${String(getParam(req, defaultPlacement(req), spec.offsetParam))}`;
  },
});

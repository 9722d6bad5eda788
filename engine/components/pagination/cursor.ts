/**
 * Cursor pagination: a JSONata expression reads the next token from each response (body as
 * `$`, `$records`, `$headers`, `$status`); an empty, null or missing token ends the list.
 */
import type { PlanPagination } from '../../plan/plan.js';
import { isEmptyToken, pageBindings, type PaginatorFactory } from './protocol.js';
import { defaultPlacement, getParam, setParam, withSize, type Placement } from './params.js';

type CursorSpec = Extract<PlanPagination, { type: 'cursor' }>;

export const cursor: PaginatorFactory<CursorSpec> = (spec) => {
  const where: Placement = spec.param.in ?? 'query';
  return {
    first(req) {
      return withSize(req, spec, where === 'header' ? defaultPlacement(req) : where);
    },
    async next(page) {
      const token = await spec.next.evaluate(page.response.body, pageBindings(page));
      if (isEmptyToken(token)) return undefined;
      // A body keeps the token's JSON type (a numeric `after`); query and headers are text.
      const value = where === 'body' ? token : typeof token === 'object' ? JSON.stringify(token) : String(token);
      return setParam(page.request, where, spec.param.name, value);
    },
    describe(req) {
      const token = getParam(req, where, spec.param.name);
      return token === undefined ? 'the first page' : `cursor ${JSON.stringify(token)}`;
    },
  };
};

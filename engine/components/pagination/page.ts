/** Page-number pagination: the page number grows by one; an empty or short page ends it. */
import { literal, schemaOf } from '../kit.js';
import { definePaginator, type PageCommon, type PaginatorKind } from './protocol.js';
import { defaultPlacement, getParam, setParam, withSize } from './params.js';

export interface PageNumberPagination extends PageCommon {
  type: 'page';
  pageParam: string;
  start: number;
}

// Stateless like offset: the next number is read back from the previous request.
export const page: PaginatorKind<PageNumberPagination> = definePaginator({
  type: 'page',
  schemaName: 'page_number',
  description: 'Page-number pagination: the page number grows by one; an empty or short page ends the list.',
  fields: {
    page_param: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Parameter carrying the page number; default `page`.', default: 'page' }),
    start: literal({ schema: schemaOf<number>({ type: 'integer', minimum: 0 }), description: 'First page number; default 1.', default: 1 }),
  },
  endsOnShortPage: true,
  compile: (f, common): PageNumberPagination => ({ type: 'page', ...common, pageParam: f.page_param, start: f.start }),
  paginator: (spec) => ({
    first(req) {
      const where = defaultPlacement(req);
      return setParam(withSize(req, spec, where), where, spec.pageParam, spec.start, 'number');
    },
    async next(p) {
      const n = p.records.length;
      if (n === 0 || (spec.size !== undefined && n < spec.size)) return undefined;
      const where = defaultPlacement(p.request);
      const current = Number(getParam(p.request, where, spec.pageParam, 'number') ?? spec.start);
      return setParam(p.request, where, spec.pageParam, current + 1, 'number');
    },
    describe(req) {
      return `page ${String(getParam(req, defaultPlacement(req), spec.pageParam, 'number'))}`;
    },
  }),
});

/** Offset pagination: the offset grows by the records received; an empty or short page ends it. */
import { literal, schemaOf } from '../kit.js';
import { definePaginator, type PageCommon, type PaginatorKind } from './protocol.js';
import { defaultPlacement, getParam, setParam, withSize } from './params.js';

export interface OffsetPagination extends PageCommon {
  type: 'offset';
  offsetParam: string;
  start: number;
}

// Stateless: the next offset is read back from the previous request, so one paginator can
// serve any number of runs (child streams reuse it per parent record).
export const offset: PaginatorKind<OffsetPagination> = definePaginator({
  type: 'offset',
  description: 'Offset pagination: the offset grows by the number of records received; a short page ends the list.',
  fields: {
    offset_param: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Parameter carrying the offset; default `offset`.', default: 'offset' }),
    start: literal({ schema: schemaOf<number>({ type: 'integer', minimum: 0 }), description: 'First offset; default 0.', default: 0 }),
  },
  requires: ['size'],
  endsOnShortPage: true,
  compile: (f, common): OffsetPagination => ({ type: 'offset', ...common, offsetParam: f.offset_param, start: f.start }),
  paginator: (spec) => ({
    first(req) {
      const where = defaultPlacement(req);
      return setParam(withSize(req, spec, where), where, spec.offsetParam, spec.start, 'offset');
    },
    async next(page) {
      const n = page.records.length;
      if (n === 0 || (spec.size !== undefined && n < spec.size)) return undefined;
      const where = defaultPlacement(page.request);
      const current = Number(getParam(page.request, where, spec.offsetParam, 'offset') ?? spec.start);
      return setParam(page.request, where, spec.offsetParam, current + n, 'offset');
    },
    describe(req) {
      return `offset ${String(getParam(req, defaultPlacement(req), spec.offsetParam, 'offset'))}`;
    },
  }),
});

/**
 * The body carries the next page's URL (`@odata.nextLink`, `paging.next.link`). It replaces
 * url and query; the old query survives only when the new URL has none of its own and
 * `keep_query` is not false (a locator URL that stands alone, like a query cursor).
 */
import { expression, literal, schemaOf } from '../kit.js';
import type { CompiledExpr } from '../../lang/expr.js';
import { definePaginator, isEmptyToken, pageBindings, type PageCommon, type PaginatorKind } from './protocol.js';
import { defaultPlacement, followUrl, withSize } from './params.js';
import { buildUrl } from '../../core/encode.js';

export interface NextUrlPagination extends PageCommon {
  type: 'next_url';
  next: CompiledExpr;
  /** Absent: true. */
  keepQuery?: boolean;
}

export const nextUrl: PaginatorKind<NextUrlPagination> = definePaginator({
  type: 'next_url',
  description: 'The response body holds the absolute URL of the next page (`@odata.nextLink`, `paging.next.link`).',
  fields: {
    next: expression({ description: 'The next URL, e.g. `$."@odata.nextLink"`', required: true }),
    keep_query: literal({
      schema: schemaOf<boolean>({ type: 'boolean' }),
      description: 'When the next URL has no query of its own, send the first request\'s query again (default true); false sends the next URL as it is.',
      default: true,
    }),
  },
  compile: (f, common): NextUrlPagination => ({ type: 'next_url', ...common, next: f.next, ...(f.keep_query === false ? { keepQuery: false } : {}) }),
  paginator: (spec) => ({
    first: (req) => withSize(req, spec, defaultPlacement(req)),
    async next(page) {
      const next = await spec.next.evaluate(page.response.body, pageBindings(page));
      if (isEmptyToken(next)) return undefined;
      return followUrl(page.request, String(next), spec.keepQuery !== false);
    },
    describe: (req) => `URL ${buildUrl(req)}`,
  }),
});

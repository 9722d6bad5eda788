/**
 * The body carries the next page's URL (`@odata.nextLink`, `paging.next.link`). It replaces
 * url and query; the old query survives only when the new URL has none of its own.
 */
import type { PlanPagination } from '../../plan/plan.js';
import { isEmptyToken, pageBindings, type PaginatorFactory } from './protocol.js';
import { defaultPlacement, followUrl, withSize } from './params.js';
import { buildUrl } from '../../core/encode.js';

type NextUrlSpec = Extract<PlanPagination, { type: 'next_url' }>;

export const nextUrl: PaginatorFactory<NextUrlSpec> = (spec) => ({
  first: (req) => withSize(req, spec, defaultPlacement(req)),
  async next(page) {
    const next = await spec.next.evaluate(page.response.body, pageBindings(page));
    if (isEmptyToken(next)) return undefined;
    return followUrl(page.request, String(next), true);
  },
  describe: (req) => `URL ${buildUrl(req)}`,
});

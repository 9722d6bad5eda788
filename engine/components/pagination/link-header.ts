/** RFC 8288 `Link` header pagination: follow the link whose relation is `rel` until none is left. */
import type { PlanPagination } from '../../plan/plan.js';
import type { PaginatorFactory } from './protocol.js';
import { defaultPlacement, followUrl, withSize } from './params.js';
import { buildUrl } from '../../core/encode.js';
import { findLink } from './link-parser.js';

type LinkSpec = Extract<PlanPagination, { type: 'link_header' }>;

export const linkHeader: PaginatorFactory<LinkSpec> = (spec) => ({
  first: (req) => withSize(req, spec, defaultPlacement(req)),
  async next(page) {
    const uri = findLink(page.response.headers['link'], spec.rel || 'next');
    return uri === undefined ? undefined : followUrl(page.request, uri, false);
  },
  describe: (req) => `URL ${buildUrl(req)}`,
});

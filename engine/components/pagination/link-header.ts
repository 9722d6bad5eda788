/** RFC 8288 `Link` header pagination: follow the link whose relation is `rel` until none is left. */
import { literal, schemaOf } from '../kit.js';
import { definePaginator, type PageCommon, type PaginatorKind } from './protocol.js';
import { defaultPlacement, followUrl, withSize } from './params.js';
import { buildUrl } from '../../core/encode.js';
import { findLink } from './link-parser.js';

export interface LinkHeaderPagination extends PageCommon {
  type: 'link_header';
  rel: string;
}

export const linkHeader: PaginatorKind<LinkHeaderPagination> = definePaginator({
  type: 'link_header',
  description: 'RFC 8288 `Link` header pagination: follow `rel="next"` until it is absent.',
  fields: {
    rel: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Relation to follow; default `next`.', default: 'next' }),
  },
  compile: (f, common): LinkHeaderPagination => ({ type: 'link_header', ...common, rel: f.rel }),
  paginator: (spec) => ({
    first: (req) => withSize(req, spec, defaultPlacement(req)),
    async next(page) {
      const uri = findLink(page.response.headers['link'], spec.rel || 'next');
      return uri === undefined ? undefined : followUrl(page.request, uri, false);
    },
    describe: (req) => `URL ${buildUrl(req)}`,
  }),
});

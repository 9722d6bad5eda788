/**
 * `header_token` pagination, written as a host would: the response names the next page in a
 * header (`X-Next-Token: abc`), and the next request sends it back as a query parameter.
 * This one file is the whole kind; registering it makes manifests validate, compile and run.
 */
import { definePaginator, literal, schemaOf, setParam, withSize, type PaginatorKind } from '../../../engine/index.js';

export interface HeaderTokenPagination {
  type: 'header_token';
  header: string;
  param: string;
  sizeParam?: string;
  size?: number;
  maxPages: number;
}

export const headerToken: PaginatorKind<HeaderTokenPagination> = definePaginator({
  type: 'header_token',
  description: 'The next page token comes in a response header and goes back as a query parameter; no header ends the list.',
  fields: {
    header: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Response header carrying the next token.', required: true }),
    param: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Query parameter the token is sent in; default `page_token`.', default: 'page_token' }),
  },
  compile: (f, common): HeaderTokenPagination => ({ type: 'header_token', ...common, header: f.header.toLowerCase(), param: f.param }),
  paginator: (spec) => ({
    first: (req) => withSize(req, spec, 'query'),
    async next(page) {
      const token = page.response.headers[spec.header];
      const value = Array.isArray(token) ? token[0] : token;
      return value ? setParam(page.request, 'query', spec.param, value) : undefined;
    },
    describe: (req) => `token ${JSON.stringify(req.query.find(([k]) => k === spec.param)?.[1] ?? null)}`,
  }),
});

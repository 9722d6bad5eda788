/**
 * Cursor pagination: a JSONata expression reads the next token from each response (body as
 * `$`, `$records`, `$headers`, `$status`); an empty, null or missing token ends the list.
 */
import { expression, literal, schemaOf } from '../kit.js';
import type { CompiledExpr } from '../../lang/expr.js';
import type { OutboundRequest } from '../../core/wire.js';
import { definePaginator, isEmptyToken, pageBindings, type PageCommon, type PaginatorKind } from './protocol.js';
import { defaultPlacement, getParam, setParam, withSize, type Placement } from './params.js';

export interface CursorPagination extends PageCommon {
  type: 'cursor';
  next: CompiledExpr;
  param: { in: Placement; name: string };
}

export const cursor: PaginatorKind<CursorPagination> = definePaginator({
  type: 'cursor',
  description: 'Cursor pagination: the next token is read from each response by a JSONata expression; an empty or missing token ends the list.',
  fields: {
    next: expression({
      description: 'The next token. Body as `$`, plus `$records` (the selected raw records of this page), `$headers`; e.g. `paging.next.after`, `response_metadata.next_cursor`, `$records[-1].id`',
      required: true,
    }),
    param: literal({ schema: schemaOf<{ in?: Placement; name: string }>({ $ref: '#/$defs/page_param' }), required: true }),
  },
  defs: {
    page_param: {
      description: 'Where the next-page token is sent.',
      type: 'object',
      additionalProperties: false,
      properties: {
        in: { description: 'Query, JSON/form body, or header. Default query.', enum: ['query', 'body', 'header'] },
        name: { description: 'Parameter, body key (dots for nesting) or header name.', type: 'string' },
      },
      required: ['name'],
    },
  },
  compile: (f, common): CursorPagination => ({
    type: 'cursor', ...common, next: f.next, param: { in: f.param.in ?? 'query', name: String(f.param.name) },
  }),
  paginator: (spec) => {
    const declared: Placement = spec.param.in ?? 'query';
    // A request whose templates read `page.cursor` places the token itself.
    const placement = (req: OutboundRequest): Placement => (req.page !== undefined ? 'template' : declared);
    return {
      first(req) {
        const where = placement(req);
        return withSize(req, spec, where === 'header' ? defaultPlacement(req) : where);
      },
      async next(page) {
        const token = await spec.next.evaluate(page.response.body, pageBindings(page));
        if (isEmptyToken(token)) return undefined;
        const where = placement(page.request);
        // A body keeps the token's JSON type (a numeric `after`); query and headers are text.
        const value = where === 'body' || where === 'template' ? token : typeof token === 'object' ? JSON.stringify(token) : String(token);
        return setParam(page.request, where, spec.param.name, value, 'cursor');
      },
      describe(req) {
        const token = getParam(req, placement(req), spec.param.name, 'cursor');
        return token === undefined ? 'the first page' : `cursor ${JSON.stringify(token)}`;
      },
    };
  },
});

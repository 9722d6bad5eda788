/**
 * The pagination family: the fields every kind shares, the built-in kinds, and
 * `registerPaginator` for hosts. A new kind is one file (its definition, see protocol.ts);
 * a built-in one is also one line in BUILTIN_PAGINATORS. The schema, docs, field catalogue
 * and compiler all read this registry, so nothing else branches on the kind.
 */
import { expression, Family, literal, schemaOf } from '../kit.js';
import { ConnectorError } from '../../core/errors.js';
import type { Paginator, PaginationPlanBase, PaginatorFactory, PaginatorKind } from './protocol.js';
import { none } from './none.js';
import { cursor } from './cursor.js';
import { offset } from './offset.js';
import { page } from './page.js';
import { linkHeader } from './link-header.js';
import { nextUrl } from './next-url.js';

export const DEFAULT_MAX_PAGES = 10_000;

export const paginators = new Family<PaginatorKind<any, any>>({
  name: 'pagination',
  unionDef: 'pagination',
  prefix: 'page_',
  description: 'How a list is paged. Every kind except `none` has a stop rule built in; `stop_when` adds one.',
  typeDescription: (type) => type,
  sharedPosition: 'after',
  shared: {
    size_param: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Query (or body) parameter that sets the page size.' }),
    size: literal({ schema: schemaOf<number>({ type: 'integer', minimum: 1 }), description: 'Page size to request.' }),
    max_pages: literal({ schema: schemaOf<number>({ type: 'integer', minimum: 1 }), description: 'Safety guard: stop with an error after this many pages.', default: DEFAULT_MAX_PAGES }),
    stop_when: expression({ description: 'Stop when this is true. Evaluated with the response body as `$`, `$records` (selected raw records), `$headers`, `$status`' }),
  },
  roots: ['config', 'settings', 'environment'],
  context: 'http',
});

export const BUILTIN_PAGINATORS = [none, cursor, offset, page, linkHeader, nextUrl] as const;

type ConfigOf<K> = K extends PaginatorKind<infer C, any> ? C : never;
/** The plan configs of the built-in kinds, as a union discriminated by `type`. */
export type BuiltinPagination = ConfigOf<(typeof BUILTIN_PAGINATORS)[number]>;

for (const k of BUILTIN_PAGINATORS) paginators.register(k, { builtin: true });

/**
 * Registers a pagination kind from its definition. The older form (a type name and a bare
 * factory) still works: such a kind has no fields beyond the shared ones.
 */
export function registerPaginator<C extends PaginationPlanBase>(kind: PaginatorKind<C, any>): void;
export function registerPaginator<C extends PaginationPlanBase>(type: string, factory: PaginatorFactory<C>): void;
export function registerPaginator<C extends PaginationPlanBase>(kind: PaginatorKind<C, any> | string, factory?: PaginatorFactory<C>): void {
  paginators.register(typeof kind === 'string' ? { type: kind, paginator: factory! } : kind);
}

export function paginatorTypes(): string[] {
  return paginators.types();
}

export function createPaginator(spec: PaginationPlanBase): Paginator {
  const kind = paginators.get(spec.type);
  if (!kind) {
    throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `Unknown pagination type "${spec.type}"; expected one of ${paginatorTypes().join(', ')}` });
  }
  return kind.paginator(spec);
}

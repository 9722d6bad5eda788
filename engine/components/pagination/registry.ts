/**
 * Pagination kinds by name. A new kind is one file plus one line here; nothing else in the
 * engine branches on the kind.
 */
import type { PlanPagination } from '../../plan/plan.js';
import { ConnectorError } from '../../core/errors.js';
import type { Paginator, PaginatorFactory } from './protocol.js';
import { none } from './none.js';
import { cursor } from './cursor.js';
import { offset } from './offset.js';
import { page } from './page.js';
import { linkHeader } from './link-header.js';
import { nextUrl } from './next-url.js';

const factories = new Map<string, PaginatorFactory<any>>([
  ['none', none],
  ['cursor', cursor],
  ['offset', offset],
  ['page', page],
  ['link_header', linkHeader],
  ['next_url', nextUrl],
]);

export function registerPaginator<T extends PlanPagination>(type: T['type'], factory: PaginatorFactory<T>): void {
  factories.set(type, factory);
}

export function paginatorTypes(): string[] {
  return [...factories.keys()];
}

export function createPaginator(spec: PlanPagination): Paginator {
  const factory = factories.get(spec.type);
  if (!factory) {
    throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `Unknown pagination type "${spec.type}"; expected one of ${paginatorTypes().join(', ')}` });
  }
  return factory(spec);
}

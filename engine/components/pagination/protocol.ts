/**
 * The contract every pagination kind implements. A paginator holds no per-run state: it
 * derives the next request only from the previous page, so one instance serves any number
 * of runs, and auth, rendering and sending stay outside it.
 */
import type { FieldSpecs, KindSpec, Resolved } from '../kit.js';
import type { CompiledExpr } from '../../lang/expr.js';
import type { InboundResponse, OutboundRequest } from '../../core/wire.js';
import type { PlanPagination } from '../../plan/plan.js';

/** What every compiled pagination carries, whatever its kind (the family's shared fields). */
export interface PageCommon {
  sizeParam?: string;
  size?: number;
  /** Always set: manifest value or the engine default (10,000). */
  maxPages: number;
  stopWhen?: CompiledExpr;
}

export interface PaginationPlanBase extends PageCommon {
  type: string;
}

/** One fetched page: the request that produced it, the response, the selected raw records. */
export interface Page {
  request: OutboundRequest;
  response: InboundResponse;
  records: unknown[];
}

export interface Paginator {
  /** The first request: the rendered request plus whatever the kind sets up front (size, offset 0). */
  first(req: OutboundRequest): OutboundRequest;
  /** The request for the page after `page`, or undefined when the list is finished. */
  next(page: Page): Promise<OutboundRequest | undefined>;
  /** Names a request's position (`cursor "abc"`, `page 3`) for loop and guard errors. */
  describe(req: OutboundRequest): string;
}

export type PaginatorFactory<T extends PaginationPlanBase = PlanPagination> = (spec: T) => Paginator;

/**
 * A pagination kind: its manifest fields (schema, docs, defaults), how the compiled fields
 * become its plan config, and the paginator that runs it.
 */
export interface PaginatorKind<C extends PaginationPlanBase = PaginationPlanBase, Fs extends FieldSpecs = FieldSpecs> extends KindSpec {
  readonly fields?: Fs;
  /** Compiled fields → plan config. Absent: the shared config plus the fields under their manifest names. */
  compile?(fields: Resolved<Fs>, common: PageCommon): C;
  readonly paginator: PaginatorFactory<C>;
  /** The kind learns of the end only from a short page, so it needs `size` or `stop_when`. */
  readonly endsOnShortPage?: boolean;
}

/** Types a kind's definition (its compiled fields from the declarations); registering is separate. */
export function definePaginator<C extends PaginationPlanBase, const Fs extends FieldSpecs = Record<never, never>>(kind: PaginatorKind<C, Fs>): PaginatorKind<C, Fs> {
  return kind;
}

/** JSONata bindings shared by `next` and `stop_when`. */
export function pageBindings(page: Page): Record<string, unknown> {
  return { records: page.records, headers: page.response.headers, status: page.response.status };
}

/** True when a `next` expression produced nothing worth following. */
export function isEmptyToken(token: unknown): boolean {
  return token === undefined || token === null || token === '' || (Array.isArray(token) && token.length === 0);
}

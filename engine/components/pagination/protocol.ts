/**
 * The contract every pagination kind implements. A paginator holds no per-run state: it
 * derives the next request only from the previous page, so one instance serves any number
 * of runs, and auth, rendering and sending stay outside it.
 */
import type { InboundResponse, OutboundRequest } from '../../core/wire.js';
import type { PlanPagination } from '../../plan/plan.js';

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

export type PaginatorFactory<T extends PlanPagination = PlanPagination> = (spec: T) => Paginator;

/** JSONata bindings shared by `next` and `stop_when`. */
export function pageBindings(page: Page): Record<string, unknown> {
  return { records: page.records, headers: page.response.headers, status: page.response.status };
}

/** True when a `next` expression produced nothing worth following. */
export function isEmptyToken(token: unknown): boolean {
  return token === undefined || token === null || token === '' || (Array.isArray(token) && token.length === 0);
}

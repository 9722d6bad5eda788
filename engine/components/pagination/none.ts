/** A single request: the list is whatever the first response holds. */
import { definePaginator, type PageCommon, type PaginatorKind } from './protocol.js';

export interface NoPagination extends PageCommon {
  type: 'none';
}

export const none: PaginatorKind<NoPagination> = definePaginator({
  type: 'none',
  description: 'A single request, no paging.',
  // Nothing to size or stop: the shared fields would only mislead.
  shared: false,
  compile: (_f, common): NoPagination => ({ type: 'none', maxPages: common.maxPages }),
  paginator: () => ({
    first: (req) => req,
    next: async () => undefined,
    describe: () => 'the only page',
  }),
});

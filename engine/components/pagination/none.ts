/** A single request: the list is whatever the first response holds. */
import type { PaginatorFactory } from './protocol.js';

export const none: PaginatorFactory = () => ({
  first: (req) => req,
  next: async () => undefined,
  describe: () => 'the only page',
});

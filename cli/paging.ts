/**
 * The paging options of every list command, the same dialect as the HTTP lists: `--limit`
 * and `--cursor` in; `--json` prints `{ <items>, next_cursor, has_more }` exactly as the
 * route answers, and the text form says how to get the next page.
 */
import type { Command } from 'commander';
import { usage } from './exit.js';

export interface LimitRange {
  default: number;
  max: number;
}

export interface PageOptions {
  limit?: string;
  cursor?: string;
}

export const CURSOR_PARAM = '--cursor';

export function withPaging(cmd: Command, range: LimitRange): Command {
  return cmd
    .option('--limit <n>', `items per page, 1 to ${range.max}`, String(range.default))
    .option('--cursor <cursor>', 'start after this point: the next_cursor a previous page printed');
}

/** The page request, or a usage error (exit 2) for a limit out of range. */
export function pageRequest(cmd: Command, opts: PageOptions, range: LimitRange): { limit: number; cursor?: string; param: string } {
  const text = opts.limit ?? String(range.default);
  const limit = /^[0-9]{1,7}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > range.max) usage(cmd, `--limit must be an integer from 1 to ${range.max} (got "${text}")`);
  return { limit, cursor: opts.cursor, param: CURSOR_PARAM };
}

/** After a text listing: where the next page starts, on stderr so stdout stays the table. */
export function noteNextPage(page: { next_cursor?: unknown; has_more?: unknown }): void {
  if (page.has_more === true && typeof page.next_cursor === 'string') process.stderr.write(`more: --cursor ${page.next_cursor}\n`);
}

/** A cursor the store refused is the caller's mistake, like any bad option: a usage error. */
export async function cursorErrorsAsUsage<T>(cmd: Command, work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const { isConnectorError } = await import('../engine/index.js');
    if (isConnectorError(err) && err.code === 'invalid_cursor') usage(cmd, err.message);
    throw err;
  }
}

/**
 * `patchbay records <connection-id> <stream>`: stored records as JSON, a page at a time; with
 * `--changes`, the change feed. Both print what the HTTP routes answer, and page the same
 * way: pass the printed `next_cursor` as `--cursor` (the change feed's is also where to
 * resume later, to read only what changed since).
 */
import type { Command } from 'commander';
import { LIMITS } from '../../engine/platform/present/index.js';
import { usage } from '../exit.js';
import { pageRequest, type PageOptions } from '../paging.js';
import { printJson, withDbOption, withPlatform } from './connections.js';

interface RecordsOptions extends PageOptions {
  changes?: boolean;
  since?: string;
  includeDeleted?: boolean;
}

export function register(program: Command): Command {
  return withDbOption(
    program
      .command('records')
      .description('print synced records of a stream, or what changed after a cursor')
      .argument('<connection-id>', 'connection id')
      .argument('<stream>', 'stream name')
      .option('--changes', 'print the change feed (added/updated/deleted) instead of the records')
      .option('--cursor <cursor>', 'start after this point: the next_cursor a previous call printed')
      .option('--since <seq>', 'deprecated, with --changes: a change sequence (the old `next`); use --cursor')
      .option('--include-deleted', 'without --changes: include soft-deleted records')
      .option('--limit <n>', `items per page, 1 to ${LIMITS.records.max}`, String(LIMITS.records.default)),
  ).action(async (connectionId: string, stream: string, opts: RecordsOptions, cmd: Command) => {
    const page = pageRequest(cmd, opts, opts.changes ? LIMITS.changes : LIMITS.records);
    if (opts.since !== undefined && !opts.changes) usage(cmd, '--since goes with --changes (use --cursor to page records)');
    if (opts.since !== undefined && opts.cursor !== undefined) usage(cmd, 'give --cursor or the deprecated --since, not both');
    await withPlatform(cmd, async (platform) => {
      const { presentChange, presentPage, presentRecord } = await import('../../engine/platform/present/index.js');
      if (opts.changes) {
        printJson(presentPage('changes', await platform.records.changes(connectionId, stream, { ...page, since: opts.since, sinceParam: '--since' }), presentChange));
      } else {
        printJson(presentPage('records', await platform.records.list(connectionId, stream, { ...page, includeDeleted: opts.includeDeleted }), presentRecord));
      }
    });
  });
}

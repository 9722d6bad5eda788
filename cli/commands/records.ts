/**
 * `patchbay records <connection-id> <stream>`: stored records as JSON; with `--changes`, the
 * change feed after `--since` (pass the printed `next` to continue).
 */
import type { Command } from 'commander';
import { parseCursor } from '../../engine/platform/store/records.js';
import { usage } from '../exit.js';
import { printJson, withDbOption, withPlatform } from './connections.js';

interface RecordsOptions {
  changes?: boolean;
  since?: string;
  after?: string;
  limit: string;
  deleted?: boolean;
}

export function register(program: Command): Command {
  return withDbOption(
    program
      .command('records')
      .description('print synced records of a stream, or what changed since a cursor')
      .argument('<connection-id>', 'connection id')
      .argument('<stream>', 'stream name')
      .option('--changes', 'print the change feed (added/updated/deleted) instead of the records')
      .option('--since <cursor>', 'with --changes: the `next` of a previous call (default: from the start)')
      .option('--after <cursor>', 'without --changes: the `next` of a previous page')
      .option('--include-deleted', 'without --changes: include soft-deleted records')
      .option('--limit <n>', 'at most this many', '100'),
  ).action(async (connectionId: string, stream: string, opts: RecordsOptions & { includeDeleted?: boolean }, cmd: Command) => {
    const limit = Number(opts.limit);
    if (!Number.isInteger(limit) || limit < 1) usage(cmd, '--limit must be a positive integer');
    if (opts.since !== undefined && !opts.changes) usage(cmd, '--since goes with --changes (use --after to page records)');
    for (const [flag, value] of [['--since', opts.since], ['--after', opts.after]] as const) {
      try {
        parseCursor(value, flag);
      } catch (err) {
        usage(cmd, (err as Error).message);
      }
    }
    await withPlatform(cmd, async (platform) => {
      if (opts.changes) printJson(await platform.records.changes(connectionId, stream, { since: opts.since, limit, param: '--since' }));
      else printJson(await platform.records.list(connectionId, stream, { after: opts.after, limit, includeDeleted: opts.includeDeleted, param: '--after' }));
    });
  });
}

/**
 * `patchbay records <connection-id> <stream> [record-id]`: stored records as JSON, a page at
 * a time, filtered like the HTTP list (`--filter 'total>=100'` is `filter[total][gte]=100`);
 * one record by id; with `--changes`, the change feed. Each prints what the HTTP routes
 * answer, and pages the same way: pass the printed `next_cursor` as `--cursor` (the change
 * feed's is also where to resume later, to read only what changed since).
 */
import type { Command } from 'commander';
import { LIMITS } from '../../engine/platform/present/index.js';
import type { RecordFilter } from '../../engine/platform/index.js';
import { fail, usage } from '../exit.js';
import { pageRequest, type PageOptions } from '../paging.js';
import { printJson, withDbOption, withPlatform } from './connections.js';

interface RecordsOptions extends PageOptions {
  changes?: boolean;
  since?: string;
  includeDeleted?: boolean;
  filter?: string[];
  updatedSince?: string;
}

const OPS: Record<string, RecordFilter['op']> = { '=': 'eq', '!=': 'ne', '>': 'gt', '>=': 'gte', '<': 'lt', '<=': 'lte' };
const FILTER = /^([^=!<>]+?)(!=|>=|<=|=|>|<)(.*)$/s;

/** `email=ada@example.com`, `total>=100`, `address.city!=Paris`: field, operator, value. */
function parseFilter(cmd: Command, text: string): RecordFilter {
  const m = FILTER.exec(text);
  if (!m) return usage(cmd, `--filter "${text}": write <field><op><value> with op one of =, !=, >, >=, <, <= (e.g. --filter 'total>=100')`);
  return { field: m[1].trim(), op: OPS[m[2]], value: m[3] };
}

const collect = (value: string, prev: string[] = []) => [...prev, value];

export function register(program: Command): Command {
  return withDbOption(
    program
      .command('records')
      .description('print synced records of a stream, or what changed after a cursor')
      .argument('<connection-id>', 'connection id')
      .argument('<stream>', 'stream name')
      .argument('[record-id]', "print this one stored record (its primary key), also when it is soft-deleted")
      .option('--filter <field op value>', "only records whose field matches: =, !=, >, >=, <, <= (repeat to AND them), e.g. --filter 'total>=100' --filter email=ada@example.com", collect)
      .option('--updated-since <time>', 'only records Patchbay added, changed or deleted at or after this ISO 8601 time')
      .option('--changes', 'print the change feed (added/updated/deleted) instead of the records')
      .option('--cursor <cursor>', 'start after this point: the next_cursor a previous call printed')
      .option('--since <seq>', 'deprecated, with --changes: a change sequence (the old `next`); use --cursor')
      .option('--include-deleted', 'without --changes: include soft-deleted records')
      .option('--limit <n>', `items per page, 1 to ${LIMITS.records.max}`, String(LIMITS.records.default)),
  ).action(async (connectionId: string, stream: string, recordId: string | undefined, opts: RecordsOptions, cmd: Command) => {
    const page = pageRequest(cmd, opts, opts.changes ? LIMITS.changes : LIMITS.records);
    if (opts.since !== undefined && !opts.changes) usage(cmd, '--since goes with --changes (use --cursor to page records)');
    if (opts.since !== undefined && opts.cursor !== undefined) usage(cmd, 'give --cursor or the deprecated --since, not both');
    const filters = (opts.filter ?? []).map((f) => parseFilter(cmd, f));
    if (opts.changes && (filters.length || opts.updatedSince !== undefined || recordId !== undefined)) usage(cmd, '--changes reads the whole feed: drop --filter, --updated-since and the record id');
    if (recordId !== undefined && (filters.length || opts.updatedSince !== undefined)) usage(cmd, 'a record id names one record: drop --filter and --updated-since');
    let updatedSince: number | undefined;
    if (opts.updatedSince !== undefined) {
      updatedSince = Date.parse(opts.updatedSince);
      if (!Number.isFinite(updatedSince)) usage(cmd, `--updated-since "${opts.updatedSince}" is not an ISO 8601 time (e.g. 2026-01-31T00:00:00Z)`);
    }
    await withPlatform(cmd, async (platform) => {
      const { presentChange, presentPage, presentRecord } = await import('../../engine/platform/present/index.js');
      if (recordId !== undefined) {
        const record = await platform.records.get(connectionId, stream, recordId);
        if (!record) fail(cmd, `stream ${stream} of connection ${connectionId} has no stored record ${JSON.stringify(recordId)}`);
        printJson({ record: presentRecord(record) });
      } else if (opts.changes) {
        printJson(presentPage('changes', await platform.records.changes(connectionId, stream, { ...page, since: opts.since, sinceParam: '--since' }), presentChange));
      } else {
        printJson(presentPage('records', await platform.records.list(connectionId, stream, { ...page, includeDeleted: opts.includeDeleted, updatedSince, filters }), presentRecord));
      }
    });
  });
}

/** `patchbay runs [--connection ID]`: sync history, newest first. */
import type { Command } from 'commander';
import { LIMITS } from '../../engine/platform/present/index.js';
import { table } from '../format.js';
import { noteNextPage, pageRequest, withPaging, type PageOptions } from '../paging.js';
import { printJson, withDbOption, withPlatform } from './connections.js';

interface RunsOptions extends PageOptions {
  connection?: string;
  tenant?: string;
  json?: boolean;
}

export function register(program: Command): Command {
  return withDbOption(withPaging(
    program
      .command('runs')
      .description('list sync runs, newest first')
      .option('--connection <id>', 'only runs of this connection')
      .option('--tenant <tenant>', 'only runs of this tenant')
      .option('--json', 'print the page as JSON, as GET /v1/connections/:id/runs answers it'),
    LIMITS.runs,
  )).action(async (opts: RunsOptions, cmd: Command) => {
    const page = pageRequest(cmd, opts, LIMITS.runs);
    await withPlatform(cmd, async (platform) => {
      const { presentPage, presentRun } = await import('../../engine/platform/present/index.js');
      const runs = await platform.runs.list({ connection: opts.connection, tenant: opts.tenant, ...page });
      if (opts.json) return printJson(presentPage('runs', runs, presentRun));
      if (runs.items.length === 0) {
        process.stdout.write('no runs\n');
        return;
      }
      const rows = runs.items.map((r) => [
        r.id, r.connectionId, r.stream, r.trigger, r.status, r.startedAt, r.endedAt ?? '-',
        `${r.records.read}/${r.records.written}/${r.records.unchanged}/${r.records.failed}/${r.records.deleted}`, r.error ?? '',
      ]);
      process.stdout.write(`${table(['RUN', 'CONNECTION', 'STREAM', 'TRIGGER', 'STATUS', 'STARTED', 'ENDED', 'READ/WRITTEN/SAME/FAILED/DELETED', 'ERROR'], rows)}\n`);
      noteNextPage({ next_cursor: runs.nextCursor, has_more: runs.hasMore });
    });
  });
}

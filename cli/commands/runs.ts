/** `patchbay runs [--connection ID]`: sync history, newest first. */
import type { Command } from 'commander';
import { table } from '../format.js';
import { usage } from '../exit.js';
import { printJson, withDbOption, withPlatform } from './connections.js';

export function register(program: Command): Command {
  return withDbOption(
    program
      .command('runs')
      .description('list sync runs, newest first')
      .option('--connection <id>', 'only runs of this connection')
      .option('--tenant <tenant>', 'only runs of this tenant')
      .option('--limit <n>', 'at most this many runs', '50')
      .option('--json', 'print a JSON array'),
  ).action(async (opts: { connection?: string; tenant?: string; limit: string; json?: boolean }, cmd: Command) => {
    const limit = Number(opts.limit);
    if (!Number.isInteger(limit) || limit < 1) usage(cmd, '--limit must be a positive integer');
    await withPlatform(cmd, async (platform) => {
      const runs = await platform.runs.list({ connection: opts.connection, tenant: opts.tenant, limit });
      if (opts.json) return printJson(runs);
      if (runs.length === 0) {
        process.stdout.write('no runs\n');
        return;
      }
      const rows = runs.map((r) => [
        r.id, r.connectionId, r.stream, r.trigger, r.status, r.startedAt, r.endedAt ?? '-',
        `${r.records.read}/${r.records.written}/${r.records.unchanged}/${r.records.failed}/${r.records.deleted}`, r.error ?? '',
      ]);
      process.stdout.write(`${table(['RUN', 'CONNECTION', 'STREAM', 'TRIGGER', 'STATUS', 'STARTED', 'ENDED', 'READ/WRITTEN/SAME/FAILED/DELETED', 'ERROR'], rows)}\n`);
    });
  });
}

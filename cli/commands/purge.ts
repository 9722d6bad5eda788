/**
 * `patchbay purge`: delete history past its retention window now (what `serve` does every
 * hour): webhook events and bodies, outbound deliveries, sync runs. `--dry-run` counts.
 */
import type { Command } from 'commander';
import { usage } from '../exit.js';
import { printJson, withDbOption, withPlatform } from './connections.js';

interface PurgeOpts {
  dryRun?: boolean;
  processedDays?: string;
  rejectedDays?: string;
  batch: string;
}

function days(cmd: Command, name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) usage(cmd, `--${name} must be a positive number of days`);
  return n;
}

export function register(program: Command): Command {
  return withDbOption(
    program
      .command('purge')
      .description('delete webhook events, webhook bodies, deliveries and sync runs past their retention window')
      .option('--dry-run', 'count what would be deleted; delete nothing')
      .option('--processed-days <days>', 'keep processed events, delivered deliveries and finished runs this long (default $PATCHBAY_RETENTION_PROCESSED_DAYS, else 30)')
      .option('--rejected-days <days>', 'keep rejected and failed events and dead deliveries this long (default $PATCHBAY_RETENTION_REJECTED_DAYS, else 7)')
      .option('--batch <n>', 'rows per delete statement', '500'),
  ).action(async (opts: PurgeOpts, cmd: Command) => {
    const batchSize = Number(opts.batch);
    if (!Number.isInteger(batchSize) || batchSize < 1) usage(cmd, '--batch must be a positive integer');
    const processedDays = days(cmd, 'processed-days', opts.processedDays);
    const rejectedDays = days(cmd, 'rejected-days', opts.rejectedDays);
    await withPlatform(cmd, async (platform) => {
      const { createRetention } = await import('../../engine/platform/index.js');
      const retention = createRetention(platform.store, { processedDays, rejectedDays, batchSize });
      const report = await retention.purge({ dryRun: opts.dryRun === true });
      const verb = report.dryRun ? 'would delete' : 'deleted';
      for (const [rule, n] of Object.entries(report.deleted)) if (n) process.stderr.write(`purge: ${rule}: ${n} ${verb}\n`);
      process.stderr.write(`purge: ${report.total} row(s) ${verb} (processed kept ${retention.windows.processedMs / 86_400_000} days, rejected ${retention.windows.rejectedMs / 86_400_000} days)\n`);
      const { presentPurgeReport } = await import('../../engine/platform/present/index.js');
      printJson(presentPurgeReport(report));
    });
  });
}

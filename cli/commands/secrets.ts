/** `patchbay secrets rotate`: re-seal every stored secret under the current key, while running. */
import type { Command } from 'commander';
import { EXIT, usage } from '../exit.js';
import { printJson, withDbOption, withPlatform } from './connections.js';

export function register(program: Command): Command {
  const secrets = program.command('secrets').description('manage sealed secrets');
  withDbOption(
    secrets
      .command('rotate')
      .description('re-seal every sealed value under the current key (the first of PATCHBAY_SECRET_KEYS); keep old keys listed until it is done')
      .option('--batch <n>', 'rows per transaction', '100'),
  ).action(async (opts: { batch: string }, cmd: Command) => {
    const batchSize = Number(opts.batch);
    if (!Number.isInteger(batchSize) || batchSize < 1) usage(cmd, '--batch must be a positive integer');
    await withPlatform(cmd, async (platform) => {
      const report = await platform.secrets.rotate({
        batchSize,
        onProgress: (p) => process.stderr.write(`rotate: ${p.table}.${p.column}: ${p.resealed} re-sealed\n`),
      });
      for (const f of report.failed) {
        const where = f.boundTo ? `bound to ${f.boundTo.table} row ${f.boundTo.id}` : f.reason;
        process.stderr.write(`rotate: ${f.table}.${f.column} row ${f.id}: cannot open (${where}); left as it is\n`);
      }
      process.stderr.write(`rotate: ${report.resealed} re-sealed, ${report.current} already under key ${report.keyId}, ${report.failed.length} failed\n`);
      printJson(report);
      if (report.failed.length) process.exitCode = EXIT.failed;
    });
  });
  return secrets;
}

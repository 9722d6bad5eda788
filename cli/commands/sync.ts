/**
 * `patchbay sync <connection-id> <stream>`: one sync run, progress on stderr, the run record
 * as JSON on stdout. Exit 1 unless the run succeeded.
 */
import type { Command } from 'commander';
import { EXIT } from '../exit.js';
import { printJson, withDbOption, withPlatform } from './connections.js';

export function register(program: Command): Command {
  return withDbOption(
    program
      .command('sync')
      .description('sync a stream of a stored connection into the database (incremental from the stored state)')
      .argument('<connection-id>', 'connection id (see patchbay connections)')
      .argument('<stream>', 'stream name')
      .option('--full', 'ignore the stored state and read the stream from its beginning'),
  )
    .addHelpText('after', '\nExit codes: 0 success, 1 the run failed or was partial (see its error), 2 usage error.')
    .action(async (connectionId: string, stream: string, opts: { full?: boolean }, cmd: Command) => {
      await withPlatform(cmd, async (platform) => {
        const tty = process.stderr.isTTY;
        const run = await platform.sync(connectionId, stream, {
          reset: opts.full,
          onProgress: (p) => {
            const r = p.records;
            const line = `sync ${stream}: page ${r.pages}, ${r.read} read, ${r.written} written, ${r.unchanged} unchanged${r.failed ? `, ${r.failed} failed` : ''}`;
            process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
          },
        });
        if (tty) process.stderr.write('\n');
        process.stderr.write(`sync ${stream}: ${run.status}${run.error ? `: ${run.error}` : ''}\n`);
        const { presentRun } = await import('../../engine/platform/present/index.js');
        printJson(presentRun(run));
        if (run.status !== 'success') process.exitCode = EXIT.failed;
      });
    });
}

/**
 * `patchbay test [ids…]`: runs the data-driven cases of connectors/<id>/tests.yaml against
 * local scripted servers (webhook cases: through a local runtime's intake). Prints `✓/✗ connector › case` per case, the failures under each
 * failed one, and a closing `N passed, M failed`. Exit 1 when any case failed.
 */
import type { Command } from 'commander';
import type { CaseResult } from '../../engine/testing/index.js';
import { connectorsDir } from '../context.js';
import { EXIT, usage } from '../exit.js';

interface TestOptions {
  filter?: string;
  timeout?: string;
}

function formatResult(r: CaseResult): string {
  const head = `${r.ok ? '✓' : '✗'} ${r.connector} › ${r.case} (${r.durationMs} ms)`;
  if (r.ok) return head;
  const body = r.failures.flatMap((f) => f.split('\n')).map((line) => `    ${line}`);
  return [head, ...body].join('\n');
}

export function register(program: Command): Command {
  return program
    .command('test')
    .description('run connector test cases (connectors/<id>/tests.yaml) against local scripted servers')
    .argument('[ids...]', 'connector ids (default: every connector with a tests.yaml)')
    .option('--filter <text>', 'only cases whose "connector › case" title contains this text')
    .option('--timeout <ms>', 'time budget per case in milliseconds', '15000')
    .addHelpText('after', '\nExit codes: 0 all cases passed, 1 a case failed, 2 usage error.')
    .action(async (ids: string[], opts: TestOptions, cmd: Command) => {
      const timeoutMs = Number(opts.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) usage(cmd, `--timeout: expected a positive number of milliseconds, got "${opts.timeout}"`);
      const dir = connectorsDir(cmd);
      const { runConnectorTests, discoverTestFiles } = await import('../../engine/testing/index.js');
      const known = (await discoverTestFiles(dir)).map((f) => f.connector);
      const missing = ids.filter((id) => !known.includes(id));
      if (missing.length > 0) usage(cmd, `no tests.yaml for ${missing.join(', ')} in ${dir}${known.length ? ` (connectors with tests: ${known.join(', ')})` : ''}`);

      const results = await runConnectorTests(dir, {
        only: ids,
        filter: opts.filter,
        timeoutMs,
        onResult: (r) => process.stdout.write(`${formatResult(r)}\n`),
      });
      const failed = results.filter((r) => !r.ok).length;
      process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
      if (failed > 0) process.exitCode = EXIT.failed;
    });
}

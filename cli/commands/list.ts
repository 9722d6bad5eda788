/** `patchbay list`: one line per connector in the connectors directory. */
import type { Command } from 'commander';
import { connectorsDir, displayPath } from '../context.js';
import { fail } from '../exit.js';
import { formatDiagnostic, plural, table } from '../format.js';

export function register(program: Command): Command {
  return program
    .command('list')
    .description('list connectors: id, name, auth types, number of actions and streams, webhooks')
    .option('--json', 'print a JSON array of connectors')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const dir = connectorsDir(cmd);
      const [{ loadConnectors }, { summarize }] = await Promise.all([
        import('../../engine/plan/index.js'),
        import('../describe-model.js'),
      ]);
      const { plans, diagnostics } = await loadConnectors(dir);
      const summaries = [...plans.values()].map(summarize).sort((a, b) => a.id.localeCompare(b.id));

      if (opts.json) {
        process.stdout.write(`${JSON.stringify(summaries, null, 2)}\n`);
      } else if (summaries.length === 0) {
        process.stdout.write(`no connectors in ${displayPath(dir)}\n`);
      } else {
        const rows = summaries.map((s) => [
          s.id,
          s.name,
          s.auth.join(','),
          String(s.actions),
          String(s.streams),
          s.webhooks ? 'yes' : 'no',
        ]);
        process.stdout.write(`${table(['ID', 'NAME', 'AUTH', 'ACTIONS', 'STREAMS', 'WEBHOOKS'], rows)}\n`);
      }

      // A connector that fails to load is still worth reporting: the list above is incomplete.
      const errors = diagnostics.filter((d) => d.severity === 'error');
      if (errors.length) {
        process.stderr.write(`${errors.map(formatDiagnostic).join('\n')}\n`);
        fail(cmd, `${plural(errors.length, 'error')} while loading ${displayPath(dir)}; run patchbay validate`);
      }
    });
}

/**
 * `patchbay describe <id>`: everything a user of one connector needs to know, from its plan.
 * `--json` prints the document GET /v1/connectors/:id answers; the text is rendered from it.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { connectorsDir, displayPath } from '../context.js';
import { EXIT, fail } from '../exit.js';
import { formatDiagnostic } from '../format.js';
import { nearest } from '../../engine/index.js';

const ID = /^[a-z][a-z0-9_-]*$/;

export function register(program: Command): Command {
  return program
    .command('describe')
    .description('show a connector: auth methods, config and credential fields, actions, streams, webhooks')
    .argument('<id>', 'connector id (its folder name)')
    .option('--json', 'print the description as JSON, as GET /v1/connectors/:id answers it')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const dir = connectorsDir(cmd);
      const { findManifests, loadPlan } = await import('../../engine/index.js');
      const file = join(dir, id, 'connector.yaml');
      if (!ID.test(id) || !existsSync(file)) {
        const known = (await findManifests([dir])).map((f) => basename(dirname(f))).sort();
        const guess = nearest(id, known);
        const lines = [`unknown connector "${id}" in ${displayPath(dir)}`];
        if (guess) lines.push(`did you mean "${guess}"?`);
        lines.push(known.length ? `known connectors: ${known.join(', ')}` : 'no connectors found');
        fail(cmd, lines.join('\n'));
      }

      const { plan, diagnostics } = await loadPlan(file);
      if (!plan) {
        const errors = diagnostics.filter((d) => d.severity === 'error');
        process.stderr.write(`${errors.map(formatDiagnostic).join('\n')}\n`);
        fail(cmd, `connector "${id}" does not load; fix the errors above (patchbay validate ${displayPath(file)})`);
      }
      const { describeConnector } = await import('../../engine/platform/present/index.js');
      const description = describeConnector(plan);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(description, null, 2)}\n`);
      } else {
        const { renderDescription } = await import('../describe-text.js');
        process.stdout.write(renderDescription(description, plan.file));
      }
      process.exitCode = EXIT.ok;
    });
}

/**
 * `patchbay validate [paths…]`: schema and semantic checks with located diagnostics.
 * Exit 0 when clean (warnings allowed unless --strict), 1 when errors were found.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Diagnostic } from '../../engine/index.js';
import { connectorsDir, displayPath } from '../context.js';
import { EXIT, fail, usage } from '../exit.js';
import { formatDiagnostic, plural, sortDiagnostics, toJson } from '../format.js';

interface ValidateOptions {
  json?: boolean;
  strict?: boolean;
}

export function register(program: Command): Command {
  return program
    .command('validate')
    .description('check connector manifests; prints file:line:col severity code message per problem')
    .argument('[paths...]', 'connector.yaml files or directories to search (default: the connectors directory)')
    .option('--json', 'print one JSON array of diagnostics and nothing else')
    .option('--strict', 'fail (exit 1) on warnings too')
    .addHelpText('after', '\nExit codes: 0 no errors, 1 errors found (or warnings with --strict), 2 usage error.')
    .action(async (paths: string[], opts: ValidateOptions, cmd: Command) => {
      const roots = paths.length ? paths : [connectorsDir(cmd)];
      for (const p of roots) if (!existsSync(p)) usage(cmd, `path not found: ${p}`);

      const { findManifests, validateFile } = await import('../../engine/index.js');
      const files = await findManifests(roots.map((p) => resolve(p)));
      if (files.length === 0) fail(cmd, `no connector.yaml found in ${roots.map(displayPath).join(', ')}`);

      const diagnostics: Diagnostic[] = [];
      for (const file of files) diagnostics.push(...(await validateFile(file)).diagnostics);
      const sorted = sortDiagnostics(diagnostics);
      const errors = sorted.filter((d) => d.severity === 'error').length;
      const warnings = sorted.length - errors;

      if (opts.json) {
        process.stdout.write(`${JSON.stringify(sorted.map(toJson), null, 2)}\n`);
      } else {
        const lines = sorted.map(formatDiagnostic);
        lines.push(`${plural(files.length, 'file')}, ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      if (errors > 0 || (opts.strict && warnings > 0)) process.exitCode = EXIT.failed;
    });
}

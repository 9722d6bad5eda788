/** `patchbay init <id>`: scaffolds a connector folder that validates as written. */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { displayPath } from '../context.js';
import { fail, usage } from '../exit.js';
import { packagePath } from '../pkg.js';
import { displayName, scaffold } from '../scaffold.js';

const ID = /^[a-z][a-z0-9_-]*$/;

interface InitOptions {
  dir?: string;
  name?: string;
}

export function register(program: Command): Command {
  return program
    .command('init')
    .description('scaffold <dir>/<id>/ with connector.yaml, tests.yaml and README.md')
    .argument('<id>', 'connector id: lower case letters, digits, _ or -, starting with a letter')
    .option('--dir <dir>', 'parent directory (default: --connectors, else ./connectors)')
    .option('--name <name>', 'display name (default: from the id)')
    .action(async (id: string, opts: InitOptions, cmd: Command) => {
      if (!ID.test(id)) usage(cmd, `invalid connector id "${id}": use lower case letters, digits, _ or -, starting with a letter`);
      const parent = resolve(opts.dir ?? (cmd.optsWithGlobals().connectors as string | undefined) ?? 'connectors');
      const folder = join(parent, id);
      if (existsSync(folder)) fail(cmd, `${displayPath(folder)} already exists; not overwriting it`);

      const schemasDir = relative(folder, packagePath('schemas')).split(sep).join('/');
      const files = scaffold({ id, name: opts.name ?? displayName(id), schemasDir });
      await mkdir(folder, { recursive: true });
      for (const f of files) await writeFile(join(folder, f.name), f.content, { flag: 'wx' });

      const shown = displayPath(folder);
      process.stdout.write(
        [
          ...files.map((f) => `created ${shown}/${f.name}`),
          '',
          'next:',
          `  edit ${shown}/connector.yaml (the base URL and endpoints are placeholders)`,
          `  patchbay validate ${shown}`,
          '',
        ].join('\n'),
      );
    });
}

/**
 * `patchbay connections [--tenant T] [--json]`: stored connections, never their secrets.
 * Also home of what the stateful commands share: the `--db` option and opening the
 * platform over the chosen database and connectors directory.
 */
import type { Command } from 'commander';
import type { Platform } from '../../engine/platform/platform.js';
import { connectorsDir } from '../context.js';
import { table } from '../format.js';
import { runOperation } from './call.js';

export const DB_HELP = 'database URL: sqlite:<file> or postgres://… (default $PATCHBAY_DATABASE_URL, else sqlite:./patchbay.db)';

export function withDbOption(cmd: Command): Command {
  return cmd.option('--db <url>', DB_HELP);
}

/** Opens the platform for one command, runs `work`, and always closes it. */
export async function withPlatform(cmd: Command, work: (p: Platform) => Promise<void>): Promise<void> {
  await runOperation(async () => {
    const { createPlatform } = await import('../../engine/platform/platform.js');
    const { withBaseUrlOverrides } = await import('../../engine/runtime/base-url.js');
    const opts = cmd.opts() as { db?: string };
    // The CLI is the operator at the database: a stored base_url (connect --base-url) is honoured.
    const platform = await createPlatform({ database: opts.db, connectors: connectorsDir(cmd), wrapEngine: withBaseUrlOverrides });
    try {
      await work(platform);
    } finally {
      await platform.close();
    }
  });
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function register(program: Command): Command {
  return withDbOption(
    program
      .command('connections')
      .description('list stored connections (credentials are never shown, only which fields are set)')
      .option('--tenant <tenant>', 'only this tenant (default: every tenant)')
      .option('--json', 'print a JSON array'),
  ).action(async (opts: { tenant?: string; json?: boolean }, cmd: Command) => {
    await withPlatform(cmd, async (platform) => {
      const list = await platform.connections.list({ tenant: opts.tenant });
      if (opts.json) return printJson(list);
      if (list.length === 0) {
        process.stdout.write('no connections\n');
        return;
      }
      const rows = list.map((c) => [
        c.id, c.tenant, c.connector, c.name, c.status, c.credentialFields.join(',') || '-', c.lastError ? `${c.lastErrorAt} ${c.lastError}` : '',
      ]);
      process.stdout.write(`${table(['ID', 'TENANT', 'CONNECTOR', 'NAME', 'STATUS', 'CREDENTIALS', 'LAST ERROR'], rows)}\n`);
    });
  });
}

/**
 * `patchbay connections [--tenant T] [--limit N] [--cursor C] [--json]`: stored connections, never their secrets.
 * Also home of what the stateful commands share: the `--db` option and opening the
 * platform over the chosen database and connectors directory.
 */
import type { Command } from 'commander';
import type { Platform } from '../../engine/platform/index.js';
import type { ConnectionStatus } from '../../engine/platform/index.js';
import { LIMITS } from '../../engine/platform/present/index.js';
import { connectorsDir } from '../context.js';
import { usage } from '../exit.js';
import { table } from '../format.js';
import { cursorErrorsAsUsage, noteNextPage, pageRequest, withPaging, type PageOptions } from '../paging.js';
import { runOperation } from '../operation.js';

export const DB_HELP = 'database URL: sqlite:<file> or postgres://… (default $PATCHBAY_DATABASE_URL, else sqlite:./patchbay.db)';

export function withDbOption(cmd: Command): Command {
  return cmd.option('--db <url>', DB_HELP);
}

/**
 * Opens the platform for one command, runs `work`, and always closes it. A cursor the store
 * refuses is reported as a usage error, like any other bad option.
 */
export async function withPlatform(cmd: Command, work: (p: Platform) => Promise<void>): Promise<void> {
  await runOperation(() => cursorErrorsAsUsage(cmd, async () => {
    const { createPlatform } = await import('../../engine/platform/index.js');
    const { withBaseUrlOverrides } = await import('../../engine/runtime/index.js');
    const opts = cmd.opts() as { db?: string };
    // The CLI is the operator at the database: a stored base_url (connect --base-url) is honoured.
    const platform = await createPlatform({ database: opts.db, connectors: connectorsDir(cmd), wrapEngine: withBaseUrlOverrides });
    try {
      await work(platform);
    } finally {
      await platform.close();
    }
  }));
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const STATUSES = ['active', 'error', 'disconnected', 'needs_choice'] as const;

interface ConnectionsOptions extends PageOptions {
  tenant?: string;
  connector?: string;
  status?: string;
  json?: boolean;
}

export function register(program: Command): Command {
  return withDbOption(withPaging(
    program
      .command('connections')
      .description('list stored connections, oldest first (credentials are never shown, only which fields are set)')
      .option('--tenant <tenant>', 'only this tenant (default: every tenant, grouped by tenant)')
      .option('--connector <id>', 'only connections of this connector')
      .option('--status <status>', `only connections in this status (${STATUSES.join(', ')})`)
      .option('--json', 'print the page as JSON, as GET /v1/connections answers it'),
    LIMITS.connections,
  )).action(async (opts: ConnectionsOptions, cmd: Command) => {
    const page = pageRequest(cmd, opts, LIMITS.connections);
    if (opts.status !== undefined && !(STATUSES as readonly string[]).includes(opts.status)) usage(cmd, `--status must be one of ${STATUSES.join(', ')}`);
    await withPlatform(cmd, async (platform) => {
      const { presentConnection, presentPage } = await import('../../engine/platform/present/index.js');
      const list = await platform.connections.list({ tenant: opts.tenant, connector: opts.connector, status: opts.status as ConnectionStatus | undefined, ...page });
      if (opts.json) return printJson(presentPage('connections', list, (c) => presentConnection(c)));
      if (list.items.length === 0) {
        process.stdout.write('no connections\n');
        return;
      }
      const rows = list.items.map((c) => [
        c.id, c.tenant, c.connector, c.name, c.status, c.credentialFields.join(',') || '-', c.lastError ? `${c.lastErrorAt} ${c.lastError}` : '',
      ]);
      process.stdout.write(`${table(['ID', 'TENANT', 'CONNECTOR', 'NAME', 'STATUS', 'CREDENTIALS', 'LAST ERROR'], rows)}\n`);
      noteNextPage({ next_cursor: list.nextCursor, has_more: list.hasMore });
    });
  });
}

/**
 * `patchbay keys create|list|revoke`: API keys of the HTTP runtime. A created key is printed
 * once, alone on stdout (so `KEY=$(patchbay keys create --tenant acme)` works); only its
 * hash is stored.
 */
import type { Command } from 'commander';
import { LIMITS } from '../../engine/platform/present/index.js';
import { table } from '../format.js';
import { cursorErrorsAsUsage, noteNextPage, pageRequest, withPaging, type PageOptions } from '../paging.js';
import { fail, usage } from '../exit.js';
import { runOperation } from '../operation.js';
import { DB_HELP, printJson } from './connections.js';
import type { ApiKeys } from '../../engine/runtime/index.js';

async function withKeys(cmd: Command, work: (keys: ApiKeys) => Promise<void>): Promise<void> {
  await runOperation(() => cursorErrorsAsUsage(cmd, async () => {
    const { openStore } = await import('../../engine/platform/index.js');
    const { DEFAULT_DATABASE_URL } = await import('../../engine/platform/index.js');
    const { ApiKeys } = await import('../../engine/runtime/index.js');
    const { ApiKeysRepo } = await import('../../engine/runtime/index.js');
    const db = (cmd.opts() as { db?: string }).db ?? process.env.PATCHBAY_DATABASE_URL ?? DEFAULT_DATABASE_URL;
    const store = await openStore(db);
    try {
      // The environment admin key is the server's business; these commands manage stored keys.
      await work(new ApiKeys(new ApiKeysRepo(store), { adminKey: '' }));
    } finally {
      await store.close();
    }
  }));
}

export function register(program: Command): Command {
  const keys = program
    .command('keys')
    .description('manage API keys of the HTTP runtime (patchbay serve)');

  keys
    .command('create')
    .description('create a key for a tenant (or an admin key) and print it once')
    .option('--tenant <tenant>', 'the tenant the key acts for')
    .option('--admin', 'an admin key: acts for any tenant named in the request')
    .option('--name <name>', 'a label to recognise the key by')
    .option('--json', 'print the key and its record as JSON, as POST /v1/keys answers')
    .option('--db <url>', DB_HELP)
    .action(async (opts: { tenant?: string; admin?: boolean; name?: string; json?: boolean }, cmd: Command) => {
      if ((opts.tenant === undefined) === (opts.admin !== true)) usage(cmd, 'give exactly one of --tenant <tenant> and --admin');
      await withKeys(cmd, async (k) => {
        const { key, info } = await k.create({ tenant: opts.tenant, admin: opts.admin, name: opts.name });
        const { presentCreatedKey } = await import('../../engine/platform/present/index.js');
        if (opts.json) return printJson(presentCreatedKey({ key, info }));
        process.stdout.write(`${key}\n`);
        process.stderr.write(`created ${info.admin ? 'admin key' : `key for tenant ${info.tenant}`} ${info.id}; this is the only time it is shown: store it now\n`);
      });
    });

  withPaging(
    keys
      .command('list')
      .description('list keys, oldest first (ids, tenants, prefixes; never the keys)')
      .option('--tenant <tenant>', 'only this tenant')
      .option('--json', 'print the page as JSON, as GET /v1/keys answers it')
      .option('--db <url>', DB_HELP),
    LIMITS.keys,
  )
    .action(async (opts: PageOptions & { tenant?: string; json?: boolean }, cmd: Command) => {
      const page = pageRequest(cmd, opts, LIMITS.keys);
      await withKeys(cmd, async (k) => {
        const { presentKey, presentPage } = await import('../../engine/platform/present/index.js');
        const list = await k.list({ tenant: opts.tenant, ...page });
        if (opts.json) return printJson(presentPage('keys', list, presentKey));
        if (list.items.length === 0) {
          process.stdout.write('no keys\n');
          return;
        }
        const rows = list.items.map((i) => [i.id, i.admin ? '(admin)' : i.tenant ?? '', i.name, `${i.prefix}…`, i.createdAt, i.lastUsedAt ?? '-', i.revokedAt ? `revoked ${i.revokedAt}` : 'active']);
        process.stdout.write(`${table(['ID', 'TENANT', 'NAME', 'PREFIX', 'CREATED', 'LAST USED', 'STATUS'], rows)}\n`);
        noteNextPage({ next_cursor: list.nextCursor, has_more: list.hasMore });
      });
    });

  keys
    .command('revoke')
    .description('revoke a key; servers stop accepting it within seconds')
    .argument('<id>', 'key id (see patchbay keys list)')
    .option('--db <url>', DB_HELP)
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      await withKeys(cmd, async (k) => {
        if (!(await k.revoke(id))) fail(cmd, `no active key with id ${id}`);
        process.stderr.write(`revoked ${id}\n`);
      });
    });

  return keys;
}

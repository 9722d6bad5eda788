/**
 * `patchbay discover <connector> [family]`: asks the provider for the connector's dynamic
 * streams (stateless, like `read`) and prints them; `read` and `sync` take their names.
 * Items that name no stream are listed on stderr, with why. Exit codes: 0 ok, 1 the
 * connector failed, 2 usage error.
 */
import type { Command } from 'commander';
import { table } from '../format.js';
import { buildConnection, withConnectionOptions, withLocalEngine, type ConnectionOptions } from '../operation.js';
import { printJson } from './connections.js';

interface DiscoverOptions extends ConnectionOptions {
  json?: boolean;
}

export function register(program: Command): Command {
  return withConnectionOptions(
    program
      .command('discover')
      .description("discover a connector's dynamic streams from the provider and list them")
      .argument('<connector>', 'connector id')
      .argument('[family]', 'only this family of `dynamic_streams`')
      .option('--json', 'print them as JSON, as POST /v1/connections/:id/discover answers'),
  )
    .addHelpText('after', '\nExit codes: 0 ok, 1 the connector returned an error, 2 usage error.')
    .action(async (connector: string, family: string | undefined, opts: DiscoverOptions, cmd: Command) => {
      const conn = buildConnection(cmd, connector, opts);
      await withLocalEngine(cmd, connector, async (engine) => {
        const result = await engine.discover(conn, family);
        const { presentDiscovery } = await import('../../engine/platform/present/index.js');
        if (opts.json) return printJson(presentDiscovery(result));
        for (const s of result.skipped) process.stderr.write(`skipped ${s.family} item${s.key !== undefined ? ` "${s.key}"` : ''}: ${s.reason}\n`);
        if (result.streams.length === 0) {
          process.stdout.write('no streams discovered\n');
          return;
        }
        const rows = result.streams.map((s) => [s.name, s.primaryKey.join(', '), s.title ?? '']);
        process.stdout.write(`${table(['STREAM', 'PRIMARY KEY', 'TITLE'], rows)}\n`);
      });
    });
}

/**
 * `patchbay get <connector> <stream> <id>`: reads one record by id through the stream's
 * single-record request and prints it as JSON, mapped like `read` prints records (`--raw`:
 * as the provider sent it).
 * Exit codes: 0 ok, 1 the connector failed (a missing record is kind `not_found`), 2 usage.
 */
import type { Command } from 'commander';
import { buildConnection, withConnectionOptions, withLocalEngine, type ConnectionOptions } from '../operation.js';

interface GetOptions extends ConnectionOptions {
  raw?: boolean;
}

export function register(program: Command): Command {
  return withConnectionOptions(
    program
      .command('get')
      .description("read one record by id through the stream's single-record request (`get:`) and print it as JSON")
      .argument('<connector>', 'connector id')
      .argument('<stream>', 'stream name')
      .argument('<id>', 'record id, as the provider names it')
      .option('--raw', 'print the record as the provider sent it, without the stream mapping'),
  )
    .addHelpText('after', '\nExit codes: 0 ok, 1 the connector returned an error (a missing record is not_found), 2 usage error.')
    .action(async (connector: string, stream: string, id: string, opts: GetOptions, cmd: Command) => {
      const conn = buildConnection(cmd, connector, opts);
      await withLocalEngine(cmd, connector, async (engine) => {
        const record = await engine.get(conn, stream, id, { raw: opts.raw === true });
        process.stdout.write(`${JSON.stringify(record ?? null, null, 2)}\n`);
      });
    });
}

/**
 * `patchbay call <connector> <action>`: runs one action and prints its output as JSON.
 * Exit codes: 0 ok, 1 the connector failed, 2 usage (unknown connector, bad JSON in an option).
 */
import type { Command } from 'commander';
import { buildConnection, parseJsonOption, withConnectionOptions, withLocalEngine, type ConnectionOptions } from '../operation.js';

interface CallOptions extends ConnectionOptions {
  input?: string;
}

export function register(program: Command): Command {
  return withConnectionOptions(
    program
      .command('call')
      .description('run one action and print its output as JSON')
      .argument('<connector>', 'connector id')
      .argument('<action>', 'action name')
      .option('--input <json>', 'action input, JSON or @file (default {})'),
  )
    .addHelpText('after', '\nExit codes: 0 ok, 1 the connector returned an error, 2 usage error.')
    .action(async (connector: string, action: string, opts: CallOptions, cmd: Command) => {
      const input = parseJsonOption(cmd, '--input', opts.input) ?? {};
      const conn = buildConnection(cmd, connector, opts);
      await withLocalEngine(cmd, connector, async (engine) => {
        const output = await engine.call(conn, action, input);
        process.stdout.write(`${JSON.stringify(output ?? null, null, 2)}\n`);
      });
    });
}

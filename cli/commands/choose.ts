/**
 * `patchbay choose <connection-id> <option> [--tenant T]`: completes a connection whose set-up
 * found several accounts (status `needs_choice`) with one of its `pending_choice` options, as
 * POST /v1/connections/{id}/choice does. Prints the connection as JSON.
 */
import type { Command } from 'commander';
import { usage } from '../exit.js';
import { printJson, withDbOption, withPlatform } from './connections.js';

export function register(program: Command): Command {
  return withDbOption(
    program
      .command('choose')
      .description("finish a connection waiting in needs_choice with one of its options (ids from `patchbay connections --json`)")
      .argument('<connection>', 'connection id')
      .argument('<option>', 'the id of one of its pending_choice options')
      .option('--tenant <tenant>', 'the tenant the connection belongs to (default: looked up from the id)'),
  )
    .addHelpText('after', '\nExit codes: 0 chosen, 1 the choice failed (nothing changed), 2 usage error.')
    .action(async (id: string, option: string, opts: { tenant?: string }, cmd: Command) => {
      if (option.trim() === '') usage(cmd, '<option> must not be empty');
      await withPlatform(cmd, async (platform) => {
        const done = await platform.connections.choose(opts.tenant ? { tenant: opts.tenant, id } : id, option);
        const { presentConnection } = await import('../../engine/platform/present/index.js');
        printJson(presentConnection(done));
      });
    });
}

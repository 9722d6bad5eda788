/**
 * `patchbay state <connection-id> <stream>`: what the stream's next sync resumes from, as
 * `GET /v1/connections/:id/streams/:stream/state` answers it (the cursor, values kept from
 * responses, one state per parent for a child stream). `patchbay sync --full` ignores it.
 */
import type { Command } from 'commander';
import { fail } from '../exit.js';
import { printJson, withDbOption, withPlatform } from './connections.js';

export function register(program: Command): Command {
  return withDbOption(
    program
      .command('state')
      .description("print what a stream's next sync resumes from, as JSON")
      .argument('<connection-id>', 'connection id')
      .argument('<stream>', 'stream name'),
  ).action(async (connectionId: string, stream: string, _opts: unknown, cmd: Command) => {
    await withPlatform(cmd, async (platform) => {
      const { presentStreamState } = await import('../../engine/platform/present/index.js');
      // Unknown connections fail here with the platform's own not_found.
      const rows = await platform.state.list(connectionId);
      const info = await platform.connections.get(connectionId);
      const streams = (info && platform.engine.plans.get(info.connector)?.streams) ?? {};
      if (!Object.hasOwn(streams, stream)) fail(cmd, `connector ${info?.connector} has no stream "${stream}" (streams: ${Object.keys(streams).join(', ') || 'none'})`);
      printJson(presentStreamState(stream, rows.find((r) => r.stream === stream)));
    });
  });
}

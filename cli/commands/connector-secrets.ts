/**
 * `patchbay connector-secrets set|show <connector>`: the operator's secrets of a connector
 * (declared by the manifest's `secrets:`), e.g. a Connect endpoint's signing secret that
 * verifies the connector-level webhook URL. Sealed at rest; values are never printed.
 */
import type { Command } from 'commander';
import { usage } from '../exit.js';
import { nearest } from '../../engine/index.js';
import type { Plan } from '../../engine/index.js';
import type { Platform } from '../../engine/platform/index.js';
import { printJson, withDbOption, withPlatform } from './connections.js';

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text.replace(/\r?\n$/, '');
}

function planOf(cmd: Command, platform: Platform, connector: string): Plan {
  const plan = platform.engine.plans.get(connector);
  if (!plan) {
    const hint = nearest(connector, platform.engine.plans.keys());
    usage(cmd, `unknown connector "${connector}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
  }
  return plan;
}

export function register(program: Command): Command {
  const cmd = program.command('connector-secrets').description("operator secrets of a connector (the manifest's `secrets:`), e.g. the signing secret of its connector-level webhook URL");

  withDbOption(
    cmd
      .command('set')
      .description('set one secret of a connector (read from stdin unless --value is given)')
      .argument('<connector>', 'connector id')
      .argument('<name>', 'secret name, as declared under `secrets:` in the manifest')
      .option('--value <value>', 'the value (visible in the process list: prefer stdin)')
      .option('--remove', 'remove the stored value')
      .option('--json', 'print what is set as JSON'),
  ).action(async (connector: string, name: string, opts: { value?: string; remove?: boolean; json?: boolean }, command: Command) => {
    if (opts.remove && opts.value !== undefined) usage(command, 'give either --value or --remove');
    const value = opts.remove ? null : opts.value ?? (await readStdin());
    if (value === '') usage(command, 'the secret is empty');
    await withPlatform(command, async (platform) => {
      const info = await platform.webhooks.connectorSecrets.set(planOf(command, platform, connector), { [name]: value });
      const { presentConnectorSecrets } = await import('../../engine/platform/present/index.js');
      if (opts.json) return printJson(presentConnectorSecrets(info));
      process.stdout.write(`${connector}: set ${info.set.join(', ') || '(none)'}\n`);
    });
  });

  withDbOption(
    cmd
      .command('show')
      .description('which secrets of a connector are set (never their values)')
      .argument('<connector>', 'connector id')
      .option('--json', 'print JSON'),
  ).action(async (connector: string, opts: { json?: boolean }, command: Command) => {
    await withPlatform(command, async (platform) => {
      const info = await platform.webhooks.connectorSecrets.describe(planOf(command, platform, connector));
      const { presentConnectorSecrets } = await import('../../engine/platform/present/index.js');
      if (opts.json) return printJson(presentConnectorSecrets(info));
      process.stdout.write(`${connector}: declared ${info.declared.join(', ') || '(none)'}; set ${info.set.join(', ') || '(none)'}\n`);
    });
  });
  return cmd;
}

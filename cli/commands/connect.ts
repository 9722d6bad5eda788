/**
 * `patchbay connect <connector> --tenant T --name N --config … --credentials …`: validates,
 * checks (unless --skip-check) and stores a connection with its credentials sealed.
 * Prints the stored connection (without secrets) as JSON, as POST /v1/connections answers.
 */
import type { Command } from 'commander';
import { BASE_URL_SETTING } from '../../engine/platform/index.js';
import { usage } from '../exit.js';
import { parseObjectOption } from '../operation.js';
import { printJson, withDbOption, withPlatform } from './connections.js';

interface ConnectOptions {
  tenant: string;
  name: string;
  config?: string;
  credentials?: string;
  settings?: string;
  auth?: string;
  skipCheck?: boolean;
  baseUrl?: string;
  environment?: string;
}

export function register(program: Command): Command {
  return withDbOption(
    program
      .command('connect')
      .description('store a connection: validate config and credentials, run the check, seal the secrets')
      .argument('<connector>', 'connector id')
      .requiredOption('--tenant <tenant>', 'tenant the connection belongs to')
      .requiredOption('--name <name>', 'connection name, unique per tenant and connector')
      .option('--config <json>', 'connection config, JSON or @file')
      .option('--credentials <json>', 'credentials, JSON or @file (prefer @file: command lines end up in shell history)')
      .option('--settings <json>', 'connection settings, JSON or @file')
      .option('--auth <method>', 'auth method name when the connector offers several')
      .option('--skip-check', 'store without running the check request')
      .option('--environment <name>', "one of the connector's environments (production, sandbox, …); default its default one")
      .option('--base-url <url>', "replace the manifest's base URL (sandboxes, local servers); a server honours it only with --allow-base-url"),
  )
    .addHelpText('after', '\nA connector whose set-up finds several accounts stores the connection in status needs_choice with its options;\n' +
      'finish it with `patchbay choose <connection-id> <option>`.\n\nExit codes: 0 stored, 1 validation, set-up or check failed (nothing stored), 2 usage error.')
    .action(async (connector: string, opts: ConnectOptions, cmd: Command) => {
      if (opts.tenant.trim() === '' || opts.name.trim() === '') usage(cmd, '--tenant and --name must not be empty');
      const config = parseObjectOption(cmd, '--config', opts.config);
      const credentials = parseObjectOption(cmd, '--credentials', opts.credentials);
      let settings = parseObjectOption(cmd, '--settings', opts.settings);
      if (opts.baseUrl !== undefined) {
        if (!/^https?:\/\/[^\s/?#]+/.test(opts.baseUrl) || !URL.canParse(opts.baseUrl)) usage(cmd, '--base-url must be an http(s) URL');
        settings = { ...settings, [BASE_URL_SETTING]: opts.baseUrl };
      }
      await withPlatform(cmd, async (platform) => {
        const created = await platform.connections.create({
          tenant: opts.tenant, connector, name: opts.name, auth: opts.auth, config, credentials, settings, skipCheck: opts.skipCheck, environment: opts.environment,
        });
        const { presentConnection } = await import('../../engine/platform/present/index.js');
        printJson(presentConnection(created));
      });
    });
}

/**
 * `patchbay oauth-apps set|list|show|remove`: the OAuth client (id, sealed secret, return
 * URLs, scopes) the runtime's consent flow uses per connector. `PATCHBAY_OAUTH_<CONNECTOR>_*`
 * environment variables win over what is stored here, field by field; `set` warns when one
 * of them hides the value being stored. Secrets are never printed.
 */
import type { Command } from 'commander';
import { usage } from '../exit.js';
import { table } from '../format.js';
import { nearest } from '../../engine/index.js';
import { presentOAuthApp } from '../../engine/platform/present/index.js';
import { printJson, withDbOption, withPlatform } from './connections.js';
import type { Platform } from '../../engine/platform/index.js';
import type { OAuthAppInfo } from '../../engine/platform/index.js';

interface SetOptions {
  clientId?: string;
  clientSecret?: string;
  clientSecretStdin?: boolean;
  publicClient?: boolean;
  returnUrl?: string[];
  scopes?: string;
  tenant?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text.replace(/\r?\n$/, '');
}

async function apps(platform: Platform) {
  const { OAuthApps } = await import('../../engine/platform/index.js');
  const { OAuthAppsRepo } = await import('../../engine/platform/index.js');
  return new OAuthApps(new OAuthAppsRepo(platform.store, platform.vault));
}

/** The connector must exist and offer an authorization-code method; a typo gets a suggestion. */
async function requireConsentConnector(cmd: Command, platform: Platform, connector: string): Promise<void> {
  const { isConsentMethod } = await import('../../engine/platform/index.js');
  const plan = platform.engine.plans.get(connector);
  if (!plan) {
    const hint = nearest(connector, platform.engine.plans.keys());
    usage(cmd, `unknown connector "${connector}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
  }
  if (!Object.values(plan.auth.methods).some(isConsentMethod)) usage(cmd, `connector ${connector} has no OAuth2 authorization-code auth method`);
}

function describe(info: OAuthAppInfo): string {
  const src = (field: keyof OAuthAppInfo['sources']) => (info.sources[field] === 'env' ? ' (env)' : '');
  return [
    `connector:      ${info.connector}${info.tenant === '*' ? '' : ` (tenant ${info.tenant})`}`,
    `client id:      ${info.clientId ?? '-'}${src('clientId')}`,
    `client secret:  ${info.hasClientSecret ? 'set' : 'not set'}${src('clientSecret')}`,
    `return URLs:    ${info.returnUrls.join(', ') || '- (none: the consent flow refuses every return URL)'}${src('returnUrls')}`,
    `scopes:         ${info.scopes ? info.scopes.join(' ') : "the manifest's"}${src('scopes')}`,
  ].join('\n');
}

export function register(program: Command): Command {
  const cmd = program.command('oauth-apps').description('OAuth clients used by the runtime\'s consent flow (GET /v1/oauth/:connector/authorize)');

  withDbOption(
    cmd
      .command('set')
      .description('create or change the OAuth app of a connector (fields not given keep their values)')
      .argument('<connector>', 'connector id')
      .option('--client-id <id>', 'the OAuth client id')
      .option('--client-secret <secret>', 'the client secret (visible in the process list: prefer --client-secret-stdin)')
      .option('--client-secret-stdin', 'read the client secret from stdin')
      .option('--public-client', 'remove the stored secret (a public client, PKCE only)')
      .option('--return-url <url>', 'a return URL the flow may redirect to; end with * to allow a path prefix (repeatable; replaces the list)', collect)
      .option('--scopes <scopes>', 'scopes replacing the manifest\'s (space or comma separated; "" to use the manifest\'s again)')
      .option('--tenant <tenant>', "a tenant's own app, used instead of the operator-wide one for that tenant")
      .option('--json', 'print the app as JSON'),
  ).action(async (connector: string, opts: SetOptions, command: Command) => {
    const secretSources = [opts.clientSecret !== undefined, opts.clientSecretStdin === true, opts.publicClient === true].filter(Boolean).length;
    if (secretSources > 1) usage(command, 'give at most one of --client-secret, --client-secret-stdin and --public-client');
    if (opts.clientId === undefined && secretSources === 0 && opts.returnUrl === undefined && opts.scopes === undefined) {
      usage(command, 'nothing to set: give --client-id, a client secret, --return-url or --scopes');
    }
    const secret = opts.clientSecretStdin ? await readStdin() : opts.publicClient ? null : opts.clientSecret;
    if (secret === '') usage(command, 'the client secret is empty');
    await withPlatform(command, async (platform) => {
      await requireConsentConnector(command, platform, connector);
      const repo = await apps(platform);
      const exists = await repo.describe(connector, { tenant: opts.tenant, storedOnly: true });
      if (!exists && opts.clientId === undefined && opts.tenant !== undefined) usage(command, "a tenant's own app needs --client-id");
      const scopes = opts.scopes === undefined ? undefined : opts.scopes.trim() === '' ? null : opts.scopes.split(/[\s,]+/).filter(Boolean);
      const stored = await repo.set(connector, { clientId: opts.clientId, clientSecret: secret, returnUrls: opts.returnUrl, scopes }, { tenant: opts.tenant });
      if (opts.tenant === undefined) {
        const effective = (await repo.describe(connector))!;
        const hidden = (Object.keys(effective.sources) as Array<keyof OAuthAppInfo['sources']>).filter((f) => effective.sources[f] === 'env' && stored.sources[f] === 'db');
        if (hidden.length) {
          process.stderr.write(`warning: PATCHBAY_OAUTH_* environment variables override the stored ${hidden.join(', ')} of ${connector}\n`);
        }
      }
      if (opts.json) return printJson(presentOAuthApp(stored));
      process.stdout.write(`${describe(stored)}\n`);
    });
  });

  withDbOption(
    cmd
      .command('list')
      .description('list OAuth apps (stored ones and those set by environment variables); never their secrets')
      .option('--json', 'print a JSON array'),
  ).action(async (opts: { json?: boolean }, command: Command) => {
    await withPlatform(command, async (platform) => {
      const list = await (await apps(platform)).list([...platform.engine.plans.keys()]);
      if (opts.json) return printJson(list.map(presentOAuthApp));
      if (list.length === 0) {
        process.stdout.write('no OAuth apps; add one with `patchbay oauth-apps set <connector> --client-id … --client-secret-stdin --return-url …`\n');
        return;
      }
      const rows = list.map((a) => [a.connector, a.tenant, a.clientId ?? '-', a.hasClientSecret ? 'yes' : 'no', a.returnUrls.join(' ') || '-', a.sources.clientId ?? '-']);
      process.stdout.write(`${table(['CONNECTOR', 'TENANT', 'CLIENT ID', 'SECRET', 'RETURN URLS', 'FROM'], rows)}\n`);
    });
  });

  withDbOption(
    cmd
      .command('show')
      .description('show the OAuth app that applies to a connector (for a tenant, with --tenant)')
      .argument('<connector>', 'connector id')
      .option('--tenant <tenant>', 'the app this tenant gets')
      .option('--json', 'print JSON'),
  ).action(async (connector: string, opts: { tenant?: string; json?: boolean }, command: Command) => {
    await withPlatform(command, async (platform) => {
      const info = await (await apps(platform)).describe(connector, { tenant: opts.tenant });
      if (!info) {
        process.stderr.write(`no OAuth app for ${connector}\n`);
        process.exitCode = 1;
        return;
      }
      if (opts.json) return printJson(presentOAuthApp(info));
      process.stdout.write(`${describe(info)}\n`);
    });
  });

  withDbOption(
    cmd
      .command('remove')
      .description('delete the stored OAuth app of a connector (environment variables are not affected)')
      .argument('<connector>', 'connector id')
      .option('--tenant <tenant>', "the tenant's own app"),
  ).action(async (connector: string, opts: { tenant?: string }, command: Command) => {
    await withPlatform(command, async (platform) => {
      const removed = await (await apps(platform)).remove(connector, { tenant: opts.tenant });
      process.stderr.write(removed ? `removed the OAuth app of ${connector}\n` : `no stored OAuth app for ${connector}\n`);
      if (!removed) process.exitCode = 1;
    });
  });

  return cmd;
}

/** `patchbay oauth-apps` through the built CLI, against the database the runtime would use. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../cli/helpers.js';
import { KEY_A } from '../store/databases.js';
import { openStore } from '../../engine/platform/store/store.js';
import { OAuthApps } from '../../engine/platform/oauth/apps.js';
import { createVault } from '../../engine/platform/secrets/vault.js';
import { makeKeyRing, parseKeyList } from '../../engine/platform/secrets/keyring.js';
import { CONNECTOR_ID, writeConnectors } from './helpers.js';
import { OAuthAppsRepo } from '../../engine/platform/store/oauth-apps.js';

const SECRET = 'cli-canary-secret-51e2';

let dir: string;
let connectors: string;
let database: string;

function cli(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', PATCHBAY_SECRET_KEYS: KEY_A, PATCHBAY_DATABASE_URL: database, ...opts.env };
  for (const k of Object.keys(env)) if (k.startsWith('PATCHBAY_OAUTH_') && !opts.env?.[k]) delete env[k];
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, '--connectors', connectors, 'oauth-apps', ...args], { cwd: dir, env }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
    child.stdin!.end(opts.stdin ?? '');
  });
}

beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'patchbay-oauth-cli-'));
  connectors = writeConnectors(dir);
  database = `sqlite:${path.join(dir, 'cli.db')}`;
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('patchbay oauth-apps', () => {
  it('sets an app with the secret from stdin, stores it sealed, and never prints it', async () => {
    const set = await cli(['set', CONNECTOR_ID, '--client-id', 'cid-9', '--client-secret-stdin', '--return-url', 'https://h.example/done', '--return-url', 'https://h.example/oauth/*', '--scopes', 'openid email'], { stdin: `${SECRET}\n` });
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('client id:      cid-9');
    expect(set.stdout).toContain('client secret:  set');
    expect(set.stdout).toContain('https://h.example/done, https://h.example/oauth/*');
    expect(set.stdout + set.stderr).not.toContain(SECRET);

    const store = await openStore(database);
    try {
      const row = await store.knex('oauth_apps').where({ connector: CONNECTOR_ID }).first();
      expect(row.client_secret).toMatch(/^pbv1\./);
      const app = await new OAuthApps(new OAuthAppsRepo(store, createVault(makeKeyRing(parseKeyList(KEY_A)))), {}).resolve('acme', CONNECTOR_ID);
      expect(app).toEqual({ connector: CONNECTOR_ID, owner: '*', hosts: [], clientId: 'cid-9', clientSecret: SECRET, returnUrls: ['https://h.example/done', 'https://h.example/oauth/*'], scopes: ['openid', 'email'] });
    } finally {
      await store.close();
    }

    const list = await cli(['list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ connector: CONNECTOR_ID, tenant: '*', client_id: 'cid-9', has_client_secret: true })]);
    expect(list.stdout).not.toContain(SECRET);
  });

  it('shows the environment winning, and warns when it hides what was just stored', async () => {
    const env = { PATCHBAY_OAUTH_MOCKIDP_CLIENT_ID: 'env-client' };
    const show = await cli(['show', CONNECTOR_ID], { env });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('client id:      env-client (env)');
    const set = await cli(['set', CONNECTOR_ID, '--client-id', 'db-client'], { env });
    expect(set.code).toBe(0);
    expect(set.stderr).toContain('override the stored clientId of mockidp');
  });

  it('refuses usage errors: unknown connector (with a suggestion), conflicting secret options, a bad return URL', async () => {
    const typo = await cli(['set', 'mockdp', '--client-id', 'x']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('did you mean "mockidp"');
    const both = await cli(['set', CONNECTOR_ID, '--client-secret', 'a', '--client-secret-stdin']);
    expect(both.code).toBe(2);
    const bad = await cli(['set', CONNECTOR_ID, '--return-url', 'javascript:alert(1)']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('must be an absolute http(s) URL');
  });

  it('removes an app', async () => {
    expect((await cli(['remove', CONNECTOR_ID])).code).toBe(0);
    expect((await cli(['remove', CONNECTOR_ID])).code).toBe(1);
    expect((await cli(['show', CONNECTOR_ID])).code).toBe(1);
  });
});

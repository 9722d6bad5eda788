/**
 * The CLI's side of set-up and environments, in fresh processes: `patchbay connect
 * --environment` runs the steps and stops at a choice, `patchbay choose` finishes it. The
 * provider is a Xero-like local server (`GET /connections` answering the grant's tenants,
 * API calls naming one in `xero-tenant-id`), one per environment.
 * https://developer.xero.com/documentation/guides/oauth2/auth-flow
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt, tempDir, writeTree } from '../cli/helpers.js';
import { startProvider, type Provider, type Received, type Reply } from './providers.js';

const TENANTS = [
  { id: 'c1', authEventId: 'ae1', tenantId: '70784a63-d24b-46a9-a4db-0e70a274b056', tenantType: 'ORGANISATION', tenantName: 'Maple Florists', createdDateUtc: '2019-07-09T23:40:30.1833130', updatedDateUtc: '2020-05-15T01:35:13.8491980' },
  { id: 'c2', authEventId: 'ae1', tenantId: 'e0da6937-de07-4a14-adee-37abfac298ce', tenantType: 'ORGANISATION', tenantName: 'Demo Company (AU)', createdDateUtc: '2020-05-15T01:35:13.8491980', updatedDateUtc: '2020-05-15T01:35:13.8491980' },
];

function xeroLike(env: string) {
  return (r: Received): Reply => {
    if (r.headers.authorization !== 'Bearer xero-cli-token') return { status: 401, body: { Title: 'Unauthorized', Status: 401 } };
    if (r.path === '/connections') return { body: TENANTS };
    const tenant = TENANTS.find((t) => t.tenantId === r.headers['xero-tenant-id']);
    if (r.path === '/api.xro/2.0/Organisation' && tenant) return { body: { Organisations: [{ Name: `${tenant.tenantName} (${env})` }] } };
    return { status: 403, body: { Title: 'Forbidden', Status: 403 } };
  };
}

let prod: Provider;
let sandbox: Provider;
let cwd: string;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', PATCHBAY_DATABASE_URL: `sqlite:${path.join(cwd, 'cli.db')}` };
  delete env.PATCHBAY_SECRET_KEYS;
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, '--connectors', path.join(cwd, 'connectors'), ...args], { cwd, env }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  await ensureBuilt();
  prod = await startProvider(xeroLike('production'));
  sandbox = await startProvider(xeroLike('sandbox'));
  cwd = tempDir('patchbay-setup-cli-');
  writeTree(cwd, {
    'connectors/xero_cli/connector.yaml': `
patchbay: 1
id: xero_cli
name: Xero (CLI)
credentials:
  type: object
  required: [access_token]
  properties: { access_token: { type: string } }
auth: { type: bearer, token: '{{credentials.access_token}}' }
http:
  base_url: ${prod.url}
  headers: { xero-tenant-id: '{{settings.tenant_id}}' }
  retry: { max_attempts: 1 }
environments:
  production: { default: true }
  sandbox: { base_url: ${sandbox.url} }
setup:
  - name: tenant
    request: { path: /connections }
    choose: { id: tenantId, label: tenantName }
    settings: { tenant_id: tenantId }
check:
  request: { path: /api.xro/2.0/Organisation }
  settings: { organisation: "Organisations[0].Name" }
`,
  });
}, 180_000);

afterAll(async () => {
  await Promise.all([prod?.stop(), sandbox?.stop()]);
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

describe('patchbay connect and choose', () => {
  it('connects in the sandbox, waits for the tenant, and `choose` finishes the connection', async () => {
    const made = await cli(['connect', 'xero_cli', '--tenant', 'acme', '--name', 'books', '--environment', 'sandbox', '--credentials', '{"access_token":"xero-cli-token"}']);
    expect(made.code, made.stderr).toBe(0);
    const waiting = JSON.parse(made.stdout);
    expect(waiting).toMatchObject({ status: 'needs_choice', environment: 'sandbox' });
    expect(waiting.pending_choice.options).toEqual([
      { id: TENANTS[0].tenantId, label: 'Maple Florists' },
      { id: TENANTS[1].tenantId, label: 'Demo Company (AU)' },
    ]);
    expect(made.stdout).not.toContain('xero-cli-token');
    expect(prod.received).toHaveLength(0);

    const chosen = await cli(['choose', waiting.id, TENANTS[1].tenantId]);
    expect(chosen.code, chosen.stderr).toBe(0);
    expect(JSON.parse(chosen.stdout)).toMatchObject({ status: 'active', environment: 'sandbox', settings: { tenant_id: TENANTS[1].tenantId, organisation: 'Demo Company (AU) (sandbox)' } });
    expect(prod.received).toHaveLength(0);

    const again = await cli(['choose', waiting.id, TENANTS[0].tenantId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is not waiting for a choice');
  });

  it('refuses an environment the connector does not declare', async () => {
    const res = await cli(['connect', 'xero_cli', '--tenant', 'acme', '--name', 'staging', '--environment', 'staging', '--credentials', '{"access_token":"xero-cli-token"}']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('has no environment "staging"; declared: production, sandbox');
  });
});

/**
 * One JSON dialect: `patchbay … --json` prints exactly what the HTTP route answers for the
 * same data (deep equal, against a real server over the same database), pages the same way
 * (`--limit`, `--cursor`; a bad cursor is a usage error), and never shows an internal field.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../cli/helpers.js';
import { SHIPPED_CONNECTORS, TEST_SECRET_KEYS } from './helpers.js';
import { seedTenant, TENANT, type Seeded } from './seed.js';

interface Result { code: number; stdout: string; stderr: string }

/** Each case spawns the CLI several times; a loaded machine takes seconds per process. */
const CLI_TIMEOUT = 180_000;

let s: Seeded;
const outputs: string[] = [];

function cli(args: string[]): Promise<Result> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', PATCHBAY_DATABASE_URL: s.rt.database, PATCHBAY_SECRET_KEYS: TEST_SECRET_KEYS };
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, '--connectors', SHIPPED_CONNECTORS, ...args], { cwd: s.rt.dir, env }, (err, stdout, stderr) => {
      outputs.push(stdout);
      resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

async function json(args: string[]): Promise<any> {
  const r = await cli(args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

async function http(path: string, admin = false): Promise<any> {
  const res = await s.rt.call('GET', path, { key: admin ? s.rt.adminKey : s.key });
  expect(res.status, res.text).toBe(200);
  outputs.push(res.text);
  return res.body;
}

beforeAll(async () => {
  await ensureBuilt();
  s = await seedTenant();
}, 300_000);
afterAll(async () => {
  await s?.close();
});

describe('CLI --json is the HTTP body', () => {
  it('a connection made by `connect` is printed as GET /v1/connections/:id answers it', async () => {
    const made = await json(['connect', 'stripe', '--tenant', TENANT, '--name', 'from-cli', '--skip-check', '--base-url', s.stripe.url, '--credentials', '{"api_key":"sk_test_good123"}']);
    expect(made).toEqual(await http(`/v1/connections/${made.id}`));
    expect(made).toMatchObject({ base_url: s.stripe.url, base_url_status: 'applied', settings: {}, credential_fields: ['api_key'] });
  }, CLI_TIMEOUT);

  it.each([
    ['connections', ['connections', '--tenant', TENANT, '--json'], (): string => '/v1/connections', false],
    ['runs', ['runs', '--connection', '$conn', '--json'], (): string => `/v1/connections/${s.conn.id}/runs`, false],
    ['records', ['records', '$conn', 'customers', '--include-deleted'], (): string => `/v1/connections/${s.conn.id}/streams/customers/records?include_deleted=true`, false],
    ['changes', ['records', '$conn', 'customers', '--changes'], (): string => `/v1/connections/${s.conn.id}/streams/customers/changes`, false],
    ['filtered records', ['records', '$conn', 'customers', '--filter', 'email>=c3', '--filter', 'name!=Customer 9', '--include-deleted'], (): string => `/v1/connections/${s.conn.id}/streams/customers/records?filter[email][gte]=c3&filter[name][ne]=${encodeURIComponent('Customer 9')}&include_deleted=true`, false],
    ['one record', ['records', '$conn', 'customers', 'cus_0004'], (): string => `/v1/connections/${s.conn.id}/streams/customers/records/cus_0004`, false],
    ['keys', ['keys', 'list', '--tenant', TENANT, '--json'], (): string => `/v1/keys?tenant=${TENANT}`, true],
    ['connectors', ['list', '--json'], (): string => '/v1/connectors', true],
    ['a connector', ['describe', 'stripe', '--json'], (): string => '/v1/connectors/stripe', true],
  ] as const)('%s', async (_name, args, path, admin) => {
    const body = await http(path(), admin);
    expect(await json(args.map((a) => (a === '$conn' ? s.conn.id : a)))).toEqual(body);
  }, CLI_TIMEOUT);
});

describe('CLI paging', () => {
  it.each([
    ['connections', ['connections', '--tenant', TENANT, '--json'], 'connections'],
    ['runs', ['runs', '--connection', '$conn', '--json'], 'runs'],
    ['records', ['records', '$conn', 'customers'], 'records'],
    ['changes', ['records', '$conn', 'customers', '--changes'], 'changes'],
    ['keys', ['keys', 'list', '--tenant', TENANT, '--json'], 'keys'],
    ['connectors', ['list', '--json'], 'connectors'],
  ] as const)('%s: --limit 1 visits every item once, ending with has_more false', async (_name, base, items) => {
    const args = base.map((a) => (a === '$conn' ? s.conn.id : a));
    const all = (await json(args))[items].map((i: { id: string }) => i.id);
    expect(all.length).toBeGreaterThanOrEqual(2);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await json([...args, '--limit', '1', ...(cursor ? ['--cursor', cursor] : [])]);
      seen.push(...page[items].map((i: { id: string }) => i.id));
      if (!page.has_more) break;
      cursor = page.next_cursor;
    }
    expect(seen).toEqual(all);
  }, CLI_TIMEOUT);

  it.each([
    ['connections'], ['runs'], ['records', '$conn', 'customers'], ['records', '$conn', 'customers', '--changes'], ['keys', 'list'], ['list'],
  ])('%s: a bad cursor or limit is a usage error (exit 2)', async (...base) => {
    const args = base.map((a) => (a === '$conn' ? s.conn.id : a));
    const bad = await cli([...args, '--cursor', 'not-a-cursor!']);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toContain('--cursor "not-a-cursor!" is not a cursor this API returned');
    expect((await cli([...args, '--limit', '0'])).code).toBe(2);
  }, CLI_TIMEOUT);

  it('--after is gone (renamed --cursor); --since remains, deprecated, for the change feed only', async () => {
    expect((await cli(['records', s.conn.id, 'customers', '--after', '1'])).code).toBe(2);
    const since = await json(['records', s.conn.id, 'customers', '--changes', '--since', '0']);
    expect(since).toEqual(await json(['records', s.conn.id, 'customers', '--changes']));
  }, CLI_TIMEOUT);
});

describe('no internal field anywhere', () => {
  it('no lease owner and no reserved setting in any output of these tests', () => {
    expect(outputs.length).toBeGreaterThan(20);
    for (const out of outputs) expect(out).not.toMatch(/lease_owner|leaseOwner|lease_expires|_patchbay_/);
  });
});

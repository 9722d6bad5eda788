/**
 * tests.yaml cases for set-up steps and environments (issue 12 item 9), on the example
 * connectors in fixtures-setup/ (QuickBooks-, Xero- and Salesforce-shaped): a consent's
 * callback carries `query` for capture steps, a case names its `environment`, and a consent
 * that waits for a choice is expected as `needs_choice` with its options. Each mutation
 * below removes what a case proves and must make it fail.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runConnectorTests } from '../../engine/testing/index.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures-setup');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A copy of one fixture connector with its manifest edited. */
function mutated(id: string, from: string, to: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `patchbay-setup-cases-${id}-`));
  dirs.push(dir);
  cpSync(path.join(FIXTURES, id), path.join(dir, id), { recursive: true });
  const file = path.join(dir, id, 'connector.yaml');
  const src = readFileSync(file, 'utf8');
  if (!src.includes(from)) throw new Error(`fixture edit: ${from} not in ${id}`);
  writeFileSync(file, src.replace(from, to));
  return dir;
}

const failing = async (dir: string) => (await runConnectorTests(dir)).filter((r) => !r.ok).map((r) => r.case);

describe('set-up and environment cases', () => {
  it('every example case passes as written', async () => {
    const results = await runConnectorTests(FIXTURES);
    expect(results.filter((r) => !r.ok).map((r) => [r.case, r.failures])).toEqual([]);
    expect(results.map((r) => `${r.connector}: ${r.case}`)).toEqual(expect.arrayContaining([
      expect.stringContaining('QuickBooks realmId capture'),
      expect.stringContaining('Xero tenant choice - one organisation'),
      expect.stringContaining('Xero tenant choice - two organisations'),
      expect.stringContaining('sandbox consent goes to test.salesforce.com'),
    ]));
  });

  it('without the capture step, the realmId case fails', async () => {
    expect(await failing(mutated('ledger', 'setup:\n  - name: company\n    capture: { realm_id: realmId }\n', ''))).toEqual(expect.arrayContaining([
      expect.stringContaining('QuickBooks realmId capture'),
      expect.stringContaining('lacks realmId'),
    ]));
  });

  it('without the sandbox OAuth endpoints, the sandbox consent case fails', async () => {
    const dir = mutated('crmlite', '    oauth:\n      authorize_url: https://test.salesforce.com/services/oauth2/authorize\n      token_url: https://test.salesforce.com/services/oauth2/token\n', '');
    expect(await failing(dir)).toEqual([expect.stringContaining('sandbox consent')]);
  });

  it('with a choice that takes every tenant type, the options case fails', async () => {
    expect(await failing(mutated('books', "from: \"$[tenantType = 'ORGANISATION']\", ", ''))).toEqual([expect.stringContaining('two organisations')]);
  });

  it('a set-up request never leaves for the real provider: it is answered by the scripted server', async () => {
    // The crmlite setup step's path is on login.salesforce.com; passing proves it went to the case's server.
    const results = await runConnectorTests(FIXTURES);
    const sandbox = results.find((r) => r.case.includes('sandbox consent'))!;
    expect(sandbox.failures.join('\n')).not.toMatch(/ENOTFOUND|getaddrinfo/);
    expect(sandbox.ok).toBe(true);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ROOT, ensureBuilt, runCli, tempDir, writeTree } from './helpers.js';

beforeAll(ensureBuilt);

describe('patchbay init', () => {
  it('scaffolds a connector that validates cleanly, with tests valid against tests.schema.json', async () => {
    const dir = tempDir();
    const r = await runCli(['init', 'acme_crm'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const f of ['connector.yaml', 'tests.yaml', 'README.md']) {
      expect(r.stdout).toContain(`created connectors/acme_crm/${f}`);
      expect(existsSync(join(dir, 'connectors/acme_crm', f))).toBe(true);
    }

    const validate = await runCli(['validate', '--strict'], dir);
    expect(validate.stdout.trim()).toBe('1 file, 0 errors, 0 warnings');
    expect(validate.code).toBe(0);

    const manifestText = readFileSync(join(dir, 'connectors/acme_crm/connector.yaml'), 'utf8');
    const schemaLine = manifestText.split('\n')[0];
    const match = /^# yaml-language-server: \$schema=(.+)$/.exec(schemaLine);
    expect(match).not.toBeNull();
    // The editor resolves the schema relative to the manifest: it must land on the package's schema.
    expect(resolve(dir, 'connectors/acme_crm', match![1])).toBe(join(ROOT, 'schemas/connector.schema.json'));
    const manifest = parse(manifestText);
    expect(manifest).toMatchObject({ id: 'acme_crm', name: 'Acme Crm', auth: { type: 'bearer' } });
    expect(Object.keys(manifest.actions)).toHaveLength(1);
    expect(Object.keys(manifest.streams)).toHaveLength(1);
    const stream = Object.values(manifest.streams)[0] as { http?: { pagination?: { type: string } } };
    expect(stream.http?.pagination?.type).toBeDefined();

    const testsText = readFileSync(join(dir, 'connectors/acme_crm/tests.yaml'), 'utf8');
    const testsSchema = JSON.parse(readFileSync(join(ROOT, 'schemas/tests.schema.json'), 'utf8'));
    const validateTests = new Ajv2020({ strict: false }).compile(testsSchema);
    const tests = parse(testsText);
    expect(validateTests(tests), JSON.stringify(validateTests.errors)).toBe(true);
    // One case per operation: the check, every action, every stream.
    const covered = tests.cases.map((c: { check?: boolean; action?: string; stream?: string }) => (c.check ? 'check' : (c.action ?? c.stream)));
    expect(covered.sort()).toEqual(['check', ...Object.keys(manifest.actions), ...Object.keys(manifest.streams)].sort());
    expect(resolve(dir, 'connectors/acme_crm', /\$schema=(.+)/.exec(testsText)![1])).toBe(join(ROOT, 'schemas/tests.schema.json'));

    const readme = readFileSync(join(dir, 'connectors/acme_crm/README.md'), 'utf8');
    expect(readme).toMatch(/^# Acme Crm\n/);

    // The test cases really run: a local server plays them against the scaffolded manifest.
    const tested = await runCli(['test', 'acme_crm'], dir);
    expect(tested.stdout).toMatch(/\b3 passed, 0 failed\b/);
    expect(tested.code).toBe(0);

    const described = await runCli(['describe', 'acme_crm', '--json'], dir);
    expect(described.code).toBe(0);
    expect(JSON.parse(described.stdout).auth.methods[0].type).toBe('bearer');
  });

  it('honours --dir and --name', async () => {
    const dir = tempDir();
    const r = await runCli(['init', 'widget', '--dir', 'src/conn', '--name', 'Widget Co'], dir);
    expect(r.code).toBe(0);
    expect(parse(readFileSync(join(dir, 'src/conn/widget/connector.yaml'), 'utf8')).name).toBe('Widget Co');
    const validate = await runCli(['validate', 'src/conn'], dir);
    expect(validate.code).toBe(0);
  });

  it('refuses to overwrite an existing folder (exit 1) and leaves it untouched', async () => {
    const dir = tempDir();
    writeTree(dir, { 'connectors/taken/notes.txt': 'mine' });
    const r = await runCli(['init', 'taken'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('already exists');
    expect(existsSync(join(dir, 'connectors/taken/connector.yaml'))).toBe(false);
    expect(readFileSync(join(dir, 'connectors/taken/notes.txt'), 'utf8')).toBe('mine');
  });

  it.each(['Acme', '1acme', 'ac me', '../escape', 'acme!'])('rejects the invalid id %j with exit 2', async (id) => {
    const dir = tempDir();
    const r = await runCli(['init', id], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid connector id');
    expect(existsSync(join(dir, 'connectors'))).toBe(false);
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, ensureBuilt, runCli, tempDir } from './helpers.js';

beforeAll(ensureBuilt);

describe('patchbay program', () => {
  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const r = await runCli(['--version'], tempDir());
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('lists the authoring commands in --help and exits 0', async () => {
    const r = await runCli(['--help'], tempDir());
    expect(r.code).toBe(0);
    for (const c of ['validate', 'list', 'describe', 'init']) expect(r.stdout).toMatch(new RegExp(`\\n  ${c}\\b`));
    expect(r.stdout).toContain('--connectors <dir>');
  });

  it.each([['validate', '--strict'], ['list', '--json'], ['describe', '<id>'], ['init', '--dir <dir>']])('%s --help shows its options and exits 0', async (cmd, option) => {
    const r = await runCli([cmd, '--help'], tempDir());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: patchbay ${cmd}`);
    expect(r.stdout).toContain(option);
  });

  it('`help <command>` exits 0', async () => {
    const r = await runCli(['help', 'validate'], tempDir());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: patchbay validate');
  });

  it('exits 2 on an unknown command, with a suggestion', async () => {
    const r = await runCli(['valdate'], tempDir());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'valdate'");
    expect(r.stderr).toContain('validate');
  });

  it('exits 2 when no command is given', async () => {
    const r = await runCli([], tempDir());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: patchbay');
  });

  it('exits 2 on too many arguments', async () => {
    const r = await runCli(['describe', 'a', 'b'], tempDir());
    expect(r.code).toBe(2);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli, tempDir, writeTree } from './helpers.js';
import { MISSPELT, brokenManifest, misspeltManifest, validManifest, warningManifest } from './fixtures.js';

interface JsonDiagnostic {
  file: string;
  line: number;
  column: number;
  severity: string;
  code: string;
  message: string;
  hint?: string;
}

beforeAll(ensureBuilt);

describe('patchbay validate', () => {
  it('accepts a valid connectors directory and prints a summary', async () => {
    const dir = tempDir();
    writeTree(dir, { 'connectors/alpha/connector.yaml': validManifest('alpha'), 'connectors/beta/connector.yaml': validManifest('beta') });
    const r = await runCli(['validate'], dir);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('2 files, 0 errors, 0 warnings');
    expect(r.code).toBe(0);
  });

  it('points at a misspelt key with line:col and suggests the right one', async () => {
    const dir = tempDir();
    writeTree(dir, { 'connectors/alpha/connector.yaml': misspeltManifest('alpha') });
    const r = await runCli(['validate'], dir);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    const first = lines[0];
    expect(first.startsWith(`connectors/alpha/connector.yaml:${MISSPELT.line}:${MISSPELT.column} error `)).toBe(true);
    expect(first).toContain(MISSPELT.key);
    // The suggestion is either in the message or on the indented hint line.
    const block = lines.slice(0, 2).join('\n');
    expect(block.toLowerCase()).toContain('did you mean');
    expect(block).toContain(MISSPELT.expected);
    expect(lines.at(-1)).toMatch(/^1 file, 1 error, 0 warnings$/);
  });

  it('--json prints only a JSON array carrying file, line, column and code for every diagnostic', async () => {
    const dir = tempDir();
    writeTree(dir, {
      'connectors/alpha/connector.yaml': misspeltManifest('alpha'),
      'connectors/beta/connector.yaml': brokenManifest('beta'),
      'connectors/gamma/connector.yaml': validManifest('gamma'),
    });
    const r = await runCli(['validate', '--json'], dir);
    expect(r.code).toBe(1);
    const list = JSON.parse(r.stdout) as JsonDiagnostic[];
    expect(Array.isArray(list)).toBe(true);
    expect(list.length).toBeGreaterThanOrEqual(3);
    for (const d of list) {
      expect(d.file).toMatch(/^connectors\/(alpha|beta)\/connector\.yaml$/);
      expect(Number.isInteger(d.line) && d.line >= 1).toBe(true);
      expect(Number.isInteger(d.column) && d.column >= 1).toBe(true);
      expect(['error', 'warning']).toContain(d.severity);
      expect(typeof d.code).toBe('string');
      expect(d.code.length).toBeGreaterThan(0);
      expect(typeof d.message).toBe('string');
    }
    const alpha = list.filter((d) => d.file.includes('alpha'));
    expect(alpha).toHaveLength(1);
    expect(alpha[0]).toMatchObject({ line: MISSPELT.line, column: MISSPELT.column, severity: 'error' });
    const beta = list.filter((d) => d.file.includes('beta'));
    expect(beta.map((d) => d.line)).toContain(3); // `nmae`
    expect(beta.map((d) => d.line)).toContain(18); // `in: cookie`
    expect(new Set(list.map((d) => d.code)).size).toBeGreaterThanOrEqual(2);
  });

  it('--json on a clean tree prints an empty array and exits 0', async () => {
    const dir = tempDir();
    writeTree(dir, { 'm/connector.yaml': validManifest('m') });
    const r = await runCli(['validate', '--json', 'm/connector.yaml'], dir);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('allows warnings unless --strict', async () => {
    const dir = tempDir();
    writeTree(dir, { 'connectors/hooks/connector.yaml': warningManifest('hooks') });
    const relaxed = await runCli(['validate', 'connectors'], dir);
    expect(relaxed.stdout).toMatch(/connectors\/hooks\/connector\.yaml:\d+:\d+ warning /);
    expect(relaxed.stdout.trimEnd().split('\n').at(-1)).toMatch(/^1 file, 0 errors, [1-9]\d* warnings?$/);
    expect(relaxed.code).toBe(0);
    const strict = await runCli(['validate', '--strict', 'connectors'], dir);
    expect(strict.code).toBe(1);
  });

  it('validates only the paths given, files or directories', async () => {
    const dir = tempDir();
    writeTree(dir, {
      'good/one/connector.yaml': validManifest('one'),
      'bad/two/connector.yaml': misspeltManifest('two'),
    });
    const good = await runCli(['validate', 'good'], dir);
    expect(good.stdout.trim()).toBe('1 file, 0 errors, 0 warnings');
    expect(good.code).toBe(0);
    const both = await runCli(['validate', 'good/one/connector.yaml', 'bad'], dir);
    expect(both.stdout.trimEnd().split('\n').at(-1)).toBe('2 files, 1 error, 0 warnings');
    expect(both.code).toBe(1);
  });

  it('exits 2 and names the path when it does not exist', async () => {
    const dir = tempDir();
    const r = await runCli(['validate', 'nowhere/connector.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nowhere/connector.yaml');
    expect(r.stdout).toBe('');
  });

  it('exits 2 on an unknown option', async () => {
    const r = await runCli(['validate', '--frobnicate'], tempDir());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--frobnicate');
  });

  it('exits 2 when --connectors names a missing directory', async () => {
    const r = await runCli(['--connectors', 'missing', 'validate'], tempDir());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing');
  });
});

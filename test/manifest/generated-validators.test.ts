/**
 * The build-time (Ajv standalone) validators: generated into a temporary folder here, they
 * must answer the invalid-manifest table exactly as runtime compilation does, be refused
 * when stale, and spare a validate run from loading Ajv's compiler and the YAML library.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateValidators } from '../../engine/manifest/generate-validators.js';
import { GENERATED_FILES } from '../../engine/manifest/generated-validators.js';
import type { Diagnostic } from '../../engine/plan/index.js';
import { manifestSchemaText, manifestValidatorOrigin, useGeneratedValidators, userSchemaProblems } from '../../engine/manifest/schema.js';
import { BASE, diagnose, edit } from './fixtures.js';
import { cases } from './invalid-cases.js';

let root: string;
let generated: string;

/** Schemas the meta-schema checks: valid, broken, and one naming another draft (Ajv answers that itself). */
const USER_SCHEMAS: unknown[] = [
  { type: 'object', properties: { a: { type: 'string', pattern: '^x' } } },
  { type: 'strnig' },
  { type: 'object', properties: { a: { type: ['string', 'nope'] }, b: { minLength: -1 } }, required: 'a' },
  { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'integer', minimum: 'one' },
  { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' },
  { $schema: 7 },
];

const extraSources = [
  BASE,
  edit(BASE, '  timeout: 10s', '  timeout: [1, 2]'),
  edit(BASE, 'config:\n  type: object', 'config:\n  $schema: "http://json-schema.org/draft-07/schema#"\n  type: object'),
];

function answers(): { table: Diagnostic[][]; extra: Diagnostic[][]; schemas: unknown[] } {
  return {
    table: cases.map((tc) => diagnose(tc.src, tc.file)),
    extra: extraSources.map((src) => diagnose(src)),
    schemas: USER_SCHEMAS.map((s) => userSchemaProblems(structuredClone(s))),
  };
}

let compiled: ReturnType<typeof answers>;
let fromGenerated: ReturnType<typeof answers>;

beforeAll(() => {
  // Under node_modules/.cache: generated modules require ajv, found by walking up from there.
  const cache = resolve('node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  root = mkdtempSync(join(cache, 'patchbay-validators-'));
  generated = join(root, 'generated');
  const files = generateValidators(generated);
  expect(files.map((f) => f.slice(generated.length + 1)).sort()).toEqual(Object.values(GENERATED_FILES).sort());

  useGeneratedValidators(null);
  compiled = answers();
  expect(manifestValidatorOrigin()).toBe('compiled');

  useGeneratedValidators(generated);
  fromGenerated = answers();
  expect(manifestValidatorOrigin()).toBe('generated');
});

afterAll(() => {
  useGeneratedValidators(null);
  rmSync(root, { recursive: true, force: true });
});

describe('generated validators', () => {
  it.each(cases.map((tc, i) => ({ ...tc, i })))('$name: same diagnostics as runtime compilation', ({ i, code }) => {
    expect(fromGenerated.table[i]).toEqual(compiled.table[i]);
    expect(fromGenerated.table[i].map((d) => d.code)).toContain(code);
  });

  it('agree on a clean manifest, a duration type error and a foreign $schema', () => {
    expect(fromGenerated.extra).toEqual(compiled.extra);
    expect(compiled.extra[0]).toEqual([]);
    expect(compiled.extra[1][0]).toMatchObject({ code: 'invalid-type', message: expect.stringMatching(/must be a duration/) });
    expect(compiled.extra[2].map((d) => d.code)).toEqual(['invalid-json-schema']);
  });

  it('check user schemas against the meta-schema like Ajv does', () => {
    expect(fromGenerated.schemas).toEqual(compiled.schemas);
    expect(compiled.schemas[0]).toEqual([]);
    expect((compiled.schemas[1] as unknown[]).length).toBe(1);
    expect((compiled.schemas[4] as Array<{ message: string }>)[0].message).toMatch(/draft-07/);
  });

  it('are refused when the schema they were generated from has changed', () => {
    const stale = join(root, 'stale');
    const schema = JSON.parse(manifestSchemaText()) as Record<string, unknown>;
    generateValidators(stale, JSON.stringify({ ...schema, description: 'an older language' }));
    useGeneratedValidators(stale);
    expect(manifestValidatorOrigin()).toBe('compiled');
    useGeneratedValidators(generated);
    expect(manifestValidatorOrigin()).toBe('generated');
  });

  it('are refused when a file is broken, and absent ones mean runtime compilation', () => {
    const broken = join(root, 'broken');
    generateValidators(broken);
    const file = join(broken, GENERATED_FILES.manifest);
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 5000));
    useGeneratedValidators(broken);
    expect(manifestValidatorOrigin()).toBe('compiled');
    useGeneratedValidators(join(root, 'missing'));
    expect(existsSync(join(root, 'missing'))).toBe(false);
    expect(manifestValidatorOrigin()).toBe('compiled');
    useGeneratedValidators(generated);
  });

  describe('what a validate run loads', () => {
    const probe = (file: string) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', join('test', 'manifest', 'load-probe.ts'), generated, file], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { origin: string; codes: string[]; loaded: string[] };
    };
    const ajvCompiler = /node_modules[\\/]ajv[\\/]dist[\\/](core|compile)/;

    it('a clean manifest: the generated validator, never Ajv’s compiler', () => {
      const file = join(root, 'acme', 'connector.yaml');
      mkdirSync(join(root, 'acme'), { recursive: true });
      writeFileSync(file, BASE);
      const r = probe(file);
      expect(r.origin).toBe('generated');
      expect(r.codes).toEqual([]);
      expect(r.loaded.filter((f) => ajvCompiler.test(f))).toEqual([]);
    });

    it('a manifest with a problem is placed without compiling the schema either', () => {
      const file = join(root, 'acme', 'connector.yaml');
      writeFileSync(file, edit(BASE, '    records: data', '    recrds: data'));
      const r = probe(file);
      expect(r.codes).toEqual(['unknown-key']);
      expect(r.loaded.filter((f) => ajvCompiler.test(f))).toEqual([]);
    });
  });
});

import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES } from '../../engine/plan/index.js';
import { BASE, diagnose, edit, expectWellFormed } from './fixtures.js';
import { cases } from './invalid-cases.js';

const S = (from: string, to: string) => edit(BASE, from, to);

describe('invalid manifests: one diagnostic code each, placed on its line', () => {
  it('the base manifest is clean', () => {
    expect(diagnose(BASE)).toEqual([]);
  });

  it.each(cases)('$name → $code', (tc) => {
    const list = diagnose(tc.src, tc.file);
    expectWellFormed(list, DIAGNOSTIC_CODES);
    const hit = list.find((d) => d.code === tc.code);
    expect(hit, JSON.stringify(list, null, 1)).toBeDefined();
    expect(hit!.line).toBe(tc.line);
    if (tc.column !== undefined) expect(hit!.column).toBe(tc.column);
    expect(hit!.severity).toBe(tc.severity ?? 'error');
    if (tc.message) expect(hit!.message).toMatch(tc.message);
    if (tc.hint) expect(hit!.hint ?? '').toMatch(tc.hint);
    if (tc.only) expect(list.map((d) => d.code)).toEqual([tc.code]);
  });

  it('every diagnostic code the engine emits is documented and exercised', () => {
    const exercised = new Set(cases.map((tc) => tc.code));
    // Codes produced outside validateSource: file IO, cross-manifest, and compile-time bugs.
    const elsewhere = new Set(['read-error', 'duplicate-id', 'compile-error']);
    for (const code of Object.keys(DIAGNOSTIC_CODES)) {
      if (!elsewhere.has(code)) expect(exercised.has(code), code).toBe(true);
    }
  });

  it('reports every problem at once, sorted by line and column', () => {
    let src = S('    records: data', '    recrds: data');
    src = edit(src, '      method: POST', '      method: PSOT');
    src = edit(src, '  timeout: 10s', '  timeout: soon');
    const list = diagnose(src);
    expect(list.map((d) => d.code)).toEqual(['invalid-format', 'invalid-value', 'unknown-key']);
    const positions = list.map((d) => d.line * 1000 + d.column);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('an empty file is explained, not thrown', () => {
    const list = diagnose('');
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ code: 'not-a-mapping', line: 1, column: 1, message: 'the manifest is empty' });
  });

  it('a YAML alias bomb is refused instead of expanded', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) bomb.push(`${'bcdefgh'[i - 1]}: &${'bcdefgh'[i - 1]} [${Array(10).fill(`*${'abcdefgh'[i - 1]}`).join(', ')}]`);
    const list = diagnose(bomb.join('\n'));
    expect(list.some((d) => d.code === 'yaml-syntax')).toBe(true);
  });
});

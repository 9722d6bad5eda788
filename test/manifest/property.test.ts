/**
 * Whatever an author (or a fuzzer) writes, the validator answers with well-formed
 * diagnostics and never throws; compiling never throws either.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { DIAGNOSTIC_CODES, compileSource, validateSource } from '../../engine/plan/index.js';
import { BASE, FILE, expectWellFormed } from './fixtures.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = Array<string | number>;

const base = parse(BASE) as Json;

function allPaths(v: Json, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => allPaths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) allPaths(x, [...at, k], out);
  return out;
}
const PATHS = allPaths(base).filter((p) => p.length > 0);

type Mutation =
  | { op: 'delete'; path: Path }
  | { op: 'rename'; path: Path; name: string }
  | { op: 'replace'; path: Path; value: Json }
  | { op: 'insert'; path: Path; name: string; value: Json };

const junk: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  fc.constantFrom<Json>(1e308, -1, 0, 2 ** 53 + 1, '', '{{', '{{#each}}', '$$$(', 'http://x', null, [], {}, 'type', 'none'),
);
const name = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('type', 'request', 'extends', '__proto__', 'constructor', '<<', 'methods', 'parent'));

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), path: fc.constantFrom(...PATHS) }),
  fc.record({ op: fc.constant('rename' as const), path: fc.constantFrom(...PATHS), name }),
  fc.record({ op: fc.constant('replace' as const), path: fc.constantFrom(...PATHS), value: junk }),
  fc.record({ op: fc.constant('insert' as const), path: fc.constantFrom([] as Path, ...PATHS), name, value: junk }),
);

function apply(doc: Json, m: Mutation): Json {
  const copy = structuredClone(doc);
  const parentPath = m.op === 'insert' ? m.path : m.path.slice(0, -1);
  let parent: any = copy;
  for (const seg of parentPath) {
    if (parent === null || typeof parent !== 'object') return copy;
    parent = parent[seg];
  }
  if (parent === null || typeof parent !== 'object') return copy;
  const key = m.path[m.path.length - 1];
  switch (m.op) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      break;
    case 'rename':
      if (!Array.isArray(parent) && key in parent) {
        const v = parent[key];
        delete parent[key];
        Object.defineProperty(parent, m.name, { value: v, enumerable: true, writable: true, configurable: true });
      }
      break;
    case 'replace':
      parent[key] = m.value;
      break;
    case 'insert':
      if (Array.isArray(parent)) parent.push(m.value);
      else Object.defineProperty(parent, m.name, { value: m.value, enumerable: true, writable: true, configurable: true });
      break;
  }
  return copy;
}

function check(text: string): void {
  const v = validateSource(text, FILE);
  expectWellFormed(v.diagnostics, DIAGNOSTIC_CODES);
  const lines = v.diagnostics.map((d) => d.line * 1e6 + d.column);
  expect([...lines].sort((a, b) => a - b)).toEqual(lines);
  const c = compileSource(text, FILE);
  expectWellFormed(c.diagnostics, DIAGNOSTIC_CODES);
  if (c.plan) expect(c.diagnostics.every((d) => d.severity === 'warning')).toBe(true);
  else expect(c.diagnostics.some((d) => d.severity === 'error')).toBe(true);
}

describe('validator robustness (property-based)', () => {
  it('structural mutations of a valid manifest', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
        const doc = ms.reduce(apply, base);
        check(stringify(doc));
      }),
      { numRuns: 200 },
    );
  });

  it('text damage: truncation, insertion and deletion', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: BASE.length }),
        fc.nat({ max: 40 }),
        fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(':', '- ', '&a', '*a', '<<: *a', '\t', '{', '"', '\n  x: [', '!!binary', '%YAML 1.2\n---\n')),
        fc.constantFrom('truncate', 'insert', 'delete'),
        (at, len, text, op) => {
          const src = op === 'truncate' ? BASE.slice(0, at) : op === 'insert' ? BASE.slice(0, at) + text + BASE.slice(at) : BASE.slice(0, at) + BASE.slice(at + len);
          check(src);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('odd documents', () => {
    for (const src of ['', '~', '---\n---\n', '[]', '"text"', '123', '1e999', 'a: &a [*a]', '? [a]\n: b', '!!set {a, b}', 'patchbay: 1\nid: x\n'.repeat(2), `patchbay: ${'9'.repeat(400)}`]) {
      check(src);
    }
  });
});

/**
 * Expressions the fast path is checked against: every JSONata field of the shipped
 * manifests, plus hand-written ones aimed at JSONata's sequence and type rules.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jsonata from 'jsonata';
import { collectFields } from '../../engine/manifest/fields.js';
import { validateSource } from '../../engine/plan/index.js';

export const CONNECTORS = ['github', 'stripe', 'slack', 'hubspot'];

export interface CorpusEntry {
  /** `github streams.issues.mapping`, or `tricky #3`. */
  name: string;
  source: string;
  /** A stream mapping: runs per record inside the page wrapper. */
  mapping: boolean;
}

export function manifestExpressions(): CorpusEntry[] {
  const out: CorpusEntry[] = [];
  const seen = new Set<string>();
  for (const id of CONNECTORS) {
    const file = join(import.meta.dirname, '..', '..', 'connectors', id, 'connector.yaml');
    const { manifest } = validateSource(readFileSync(file, 'utf8'), file);
    if (!manifest) throw new Error(`${file} did not load`);
    for (const f of collectFields(manifest)) {
      if (f.kind !== 'jsonata') continue;
      const mapping = f.path.length === 3 && f.path[0] === 'streams' && f.path[2] === 'mapping';
      const key = `${mapping}:${f.source}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ name: `${id} ${f.path.join('.')}`, source: f.source, mapping });
    }
  }
  return out;
}

/** Written to hit the corners: flattening, singleton arrays, undefined propagation, type errors. */
export const TRICKY: string[] = [
  'a', 'a.b', 'a.b.c', '`a b`', '$.a', '$', '$$', '$$.a', 'a.$', 'a.b.$',
  'a[0]', 'a[-1]', 'a[1].b', 'a.b[0]', 'a[0].b[0]', 'a[0][0]', 'a[b]', 'a[b = 1]', 'a[$ > 1]', 'a[c][0]', 'a.b[c = "x"].d',
  'a[]', 'a.b[]', 'a[0][]', '[a]', '[a, b]', '[a.b]', '[[a], b]', '[a, [b, c]]', 'a.[b]', 'a.[b, c]', '[a, b].c', '[a, b][0]', '[a, b][$ != null]',
  '[]', '{}', '{"x": a}', '{"x": a, "y": b.c}', 'a.{"x": b}', '$.{"x": a}', '[a.{"x": b}]', '{"x": a}.x', '{"x": a.b}.x', '{"x": a[]}.x',
  'a = b', 'a != b', 'a = "x"', 'a = 1', 'a = null', 'a = true', 'a < b', 'a <= 1', 'a > "m"', 'a >= b.c',
  'a + b', 'a - 1', 'a * b', 'a / 2', 'a % 3', '-a', '-a.b', 'a + 1 > b', '(a + b) * c',
  'a & b', 'a & "-" & b', '"x" & a.b', 'a & 1.5', 'a & (b ? "t" : "f")',
  'a and b', 'a or b', 'a and b or c', 'not', 'a ? b : c', 'a ? b', 'a.b ? a.b : c', 'a in b', 'a in ["x", "y"]', 'b in a',
  '$string(a)', '$string(a, true)', '$string()', '$string(a.b)', '$string(1/3)', '$string(a * 1.1)', '$number(a)', '$number()', '$boolean(a)', '$not(a)', '$not()',
  '$exists(a)', '$exists(a.b.c)', '$count(a)', '$count(a.b)', '$join(a, ",")', '$join(a.b)', '$join(a.b, "; ")', '$join([a, b][$ != null and $ != ""], " ")',
  '$lowercase(a)', '$uppercase(a.b)', '$lowercase()', '$contains(a, "o")', '$contains("o")', '$fromMillis(a)', '$fromMillis(a * 1000)', '$toMillis(a)',
  '$type(a)', '$type(a.b)', '$split(a, "/")', '$split(a, "/")[-1]', '$split("/")', '$substringBefore(a, ".")', '$substringAfter(a, ".")',
  '$lookup(a, "b")', '$lookup({"x": 1, "y": 2}, a)', '$merge([a, b])', '$merge([a, {"z": 1}])', '$floor(a)', '$ceil(a)', '$abs(a)', '$trim(a)', '$length(a)',
  '($x := a; $x.b)', '($x := a; ($x := b; $x) & $x)', '($x := a; $x := $x.b; $x)', '($y; $y := a; $y)', '($x := a[0]; [$x, $x])', 'a.($x := b; $x)',
  '$headers.`retry-after`', '$status = 403', '$records[-1].id', '$records.id', '$parent.id', '$input.a', '$exists($headers.`x-ratelimit-remaining`)',
  'a.$string(b)', 'a.($.b)', 'a.(b; c)', 'a.b.$count(c)', '$count(a.b)', 'a.{"n": $count(b)}',
  '[1, 2, 3][1]', '[a][0]', '($count(a) > 1) ? "many" : "few"', 'a ? $string(a) : null', '{"k": $string(a.b)}', 'a.b = "x"',
  '{"id": $string(a), "kids": [b.c], "n": $number(d), "ok": $exists(e) and e != false}',
  '$fromMillis($floor($number(a) * 1000))', '$type(a) = "object" ? a.b : a', '(b ? "x" : "y") & "/" & a',
];

/** Mappings beyond the manifests' own, run per record inside the page wrapper. */
export const TRICKY_MAPPINGS: string[] = [
  '{"id": $string(a), "b": b}', 'a', 'a.b', '[a, b]', '$', '$r', '($x := a; {"x": $x, "p": $parent.id})', '{"n": $count($$)}', 'a ? {"a": a}', '$.b',
];

/** Field names an expression reads, so random records mostly hold what it asks for. */
export function namesOf(source: string): string[] {
  const names = new Set<string>();
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (n === null || typeof n !== 'object') return;
    const node = n as Record<string, unknown>;
    if (node.type === 'name' && typeof node.value === 'string') names.add(node.value);
    for (const v of Object.values(node)) if (v && typeof v === 'object') walk(v);
  };
  walk(jsonata(source).ast());
  return [...names];
}

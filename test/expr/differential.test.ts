/**
 * The fast path against real JSONata on random records: for every expression of the shipped
 * manifests and a list of tricky ones, the fast result equals JSONata's (sequences
 * normalised to plain arrays, key order included), or both throw. The fast path may also
 * decline an input (FastBail), which makes the caller ask JSONata; it must never answer
 * differently.
 */
import fc from 'fast-check';
import { jsonataWithFunctions } from '../../engine/lang/expr.js';
import jsonata from 'jsonata';
import { afterAll, describe, expect, it } from 'vitest';
import { compileFast, FastBail, type FastExpr } from '../../engine/lang/expr-fast/index.js';
import { bindings, input } from './arbitraries.js';
import { manifestExpressions, namesOf, TRICKY } from './corpus.js';
import { normalise, sameKeyOrder } from './normalise.js';

const RUNS = 60;
const tally = { agreed: 0, bothThrew: 0, declined: 0 };

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

async function viaJsonata(expr: jsonata.Expression, data: unknown, b: Record<string, unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: normalise(await expr.evaluate(data, b)) };
  } catch (error) {
    return { ok: false, error };
  }
}

function viaFast(fast: FastExpr, data: unknown, b: Record<string, unknown>): Outcome {
  try {
    return { ok: true, value: fast.evaluate(data, b) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** One input: JSONata is evaluated first because a fast path that mutated its input would show here. */
export async function agree(source: string, expr: jsonata.Expression, fast: FastExpr, data: unknown, b: Record<string, unknown>): Promise<void> {
  const copy = structuredClone({ data, b });
  const want = await viaJsonata(expr, copy.data, copy.b);
  const before = JSON.stringify({ data, b, flags: flagged({ data, b }) });
  const got = viaFast(fast, data, b);
  expect(JSON.stringify({ data, b, flags: flagged({ data, b }) }), `${source}: the fast path changed its input`).toBe(before);
  if (!want.ok) {
    expect(got.ok, `${source} on ${JSON.stringify(data)}: JSONata threw ${String((want.error as Error)?.message)}, fast answered ${JSON.stringify(got.ok && got.value)}`).toBe(false);
    tally.bothThrew++;
    return;
  }
  if (!got.ok) {
    // Declining is allowed (JSONata then answers); crashing on an input JSONata handles is a bug.
    expect(got.error, `${source}: fast path crashed: ${String(got.error)}`).toBeInstanceOf(FastBail);
    tally.declined++;
    return;
  }
  expect(got.value, `${source} on ${JSON.stringify(data)} with ${JSON.stringify(b)}`).toEqual(want.value);
  expect(sameKeyOrder(got.value, want.value), `${source}: key order`).toBe(true);
  tally.agreed++;
}

/** Paths of arrays carrying JSONata's flags, so a flag set on input data shows up. */
function flagged(v: unknown, path = '$', out: string[] = []): string[] {
  if (Array.isArray(v)) {
    const a = v as unknown[] & Record<string, unknown>;
    for (const f of ['sequence', 'keepSingleton', 'cons', 'outerWrapper']) if (a[f] !== undefined) out.push(`${path}.${f}`);
    v.forEach((x, i) => flagged(x, `${path}[${i}]`, out));
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) flagged(x, `${path}.${k}`, out);
  }
  return out;
}

function differential(name: string, source: string): void {
  it(name, async () => {
    const fast = compileFast(source);
    if (!fast) return void expect(fast, `${source} should be in the fast subset`).toBeDefined();
    const expr = jsonataWithFunctions(source);
    const names = namesOf(source);
    await fc.assert(
      fc.asyncProperty(input(names), bindings(names), (data, b) => agree(source, expr, fast, data, b)),
      { numRuns: RUNS },
    );
  });
}

describe('fast path agrees with JSONata on the shipped manifests', () => {
  for (const e of manifestExpressions()) {
    if (!compileFast(e.source)) continue;
    differential(e.name, e.source);
  }
});

describe('fast path agrees with JSONata on tricky expressions', () => {
  TRICKY.forEach((source, i) => differential(`tricky #${i + 1}: ${source}`, source));
});

describe('fast path agrees on hand-picked inputs', () => {
  const cases: Array<[string, unknown, Record<string, unknown>?]> = [
    ['a.b', { a: [{ b: [1] }, { b: 2 }] }],
    ['a.b', { a: { b: [5] } }],
    ['a.b', { a: { b: [] } }],
    ['a.b.c', { a: [{ b: [{ c: 1 }, { c: [2, 3] }] }, { b: { c: [] } }] }],
    ['a[0]', { a: [[1, 2], 3] }],
    ['a[-1].b', { a: [{ b: 1 }, { b: [2, 3] }] }],
    ['$string(a)', { a: [1.1, 0.30000000000000004, 1e21, -0, { x: 1 / 3 }] }],
    ['$string(a)', { a: 123456.7890123456789 }],
    ['a & b', { a: 0.1 + 0.2, b: null }],
    ['$', [1, 2]],
    ['$', [[1]]],
    ['a', [{ a: 1 }, { a: 2 }]],
    ['{"x": a}', [{ a: 1 }, { a: 2 }]],
    ['{"x": $}', []],
    ['a = b', { a: { x: [1, { y: 2 }] }, b: { x: [1, { y: 2 }] } }],
    ['a < b', { a: 'a', b: 1 }],
    ['$count(a)', { a: 'x' }],
    ['$join(a)', { a: ['x', 1] }],
    ['$records[-1].id', {}, { records: [{ id: 'a' }, { id: 'b' }] }],
    ['$exists($headers.`retry-after`)', {}, { headers: { 'retry-after': undefined } }],
    ['$string(1)', {}, { string: 'shadowed' }],
    ['$number(a)', { a: '0x1F' }],
    ['$number(a)', { a: '1e400' }],
    ['$fromMillis(a)', { a: -62198755200000 }],
    ['$fromMillis(a)', { a: 253402300800000 }],
    ['$contains(a, "/pull/")', { a: ['x/pull/1'] }],
    ['a[$ > 1]', { a: [1, 2, 3, 'x'] }],
    ['a[b]', { a: [{ b: [0, 1] }, { b: [] }, { b: [2] }] }],
    ['a.b[0]', { a: [{ b: [1, 2] }, { b: [3] }] }],
    ['{"k": a}', { a: { _jsonata_function: true, x: 1 } }],
    ['a.x', { a: { _jsonata_lambda: true, x: 1 } }],
  ];
  for (const [source, data, b] of cases) {
    it(`${source} on ${JSON.stringify(data)}`, async () => {
      const fast = compileFast(source);
      expect(fast).toBeDefined();
      await agree(source, jsonataWithFunctions(source), fast!, data, b ?? {});
    });
  }
});

afterAll(() => {
  // The fast path must answer for itself in the common case, not hand almost everything back.
  const answered = tally.agreed + tally.declined;
  if (answered > 200) expect(tally.agreed / answered).toBeGreaterThan(0.8);
});

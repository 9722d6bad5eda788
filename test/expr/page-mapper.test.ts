/**
 * The page mapper: a stream mapping runs per record in a plain loop on the fast path, and
 * must give exactly what the JSONata wrapper `$map($, function($r){ $r.(<mapping>) })`
 * gives (undefined results dropped, a one-result page collapsed as JSONata collapses it,
 * one plain array out), or fail with the same `mapping` error.
 */
import fc from 'fast-check';
import { jsonataWithFunctions } from '../../engine/lang/expr.js';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../engine/core/errors.js';
import { compileExpr } from '../../engine/lang/expr.js';
import { compileFastPageMapper, FastBail } from '../../engine/lang/expr-fast/index.js';
import { pageMapper, wrapMapping } from '../../engine/lang/mapping.js';
import { bindings, page } from './arbitraries.js';
import { manifestExpressions, namesOf, TRICKY_MAPPINGS } from './corpus.js';
import { normalise, sameKeyOrder } from './normalise.js';

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** What the page mapper answered before the fast path existed: the JSONata wrapper, collapsed and normalised. */
async function reference(wrapped: jsonata.Expression, raw: unknown, b: Record<string, unknown>): Promise<Outcome> {
  try {
    const out = await wrapped.evaluate(raw, b);
    return { ok: true, value: out === undefined ? [] : normalise(Array.isArray(out) ? Array.from(out) : [out]) };
  } catch (error) {
    return { ok: false, error };
  }
}

async function outcome(run: () => unknown): Promise<Outcome> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error };
  }
}

const mappings = [
  ...manifestExpressions().filter((e) => e.mapping).map((e) => ({ name: e.name, source: e.source })),
  ...TRICKY_MAPPINGS.map((source, i) => ({ name: `tricky mapping #${i + 1}: ${source}`, source })),
];

describe('page mapper fast path agrees with the JSONata wrapper', () => {
  for (const m of mappings) {
    it(m.name, async () => {
      const source = wrapMapping(m.source);
      const fast = compileFastPageMapper(source);
      expect(fast, 'mapping should be in the fast subset').toBeDefined();
      const wired = pageMapper(compileExpr(source, { path: 'streams.s.mapping' }));
      expect(wired.fast).toBe(true);
      const wrapped = jsonataWithFunctions(source);
      const names = [...namesOf(m.source), 'id'];
      await fc.assert(
        fc.asyncProperty(page(names), bindings(names), async (raw, b) => {
          const want = await reference(wrapped, structuredClone(raw), structuredClone(b));
          const direct = await outcome(() => fast!.mapPage(raw, b));
          const viaEngine = await outcome(() => wired.evaluate(raw, b));
          if (!want.ok) {
            expect(direct.ok, `${m.source} on ${JSON.stringify(raw)}: JSONata threw, fast answered`).toBe(false);
            expect(viaEngine.ok).toBe(false);
            expect(viaEngine.ok === false && viaEngine.error).toBeInstanceOf(ConnectorError);
            return;
          }
          if (direct.ok) {
            expect(direct.value, `${m.source} on ${JSON.stringify(raw)}`).toEqual(want.value);
            expect(sameKeyOrder(direct.value, want.value)).toBe(true);
          } else {
            expect(direct.error).toBeInstanceOf(FastBail);
          }
          expect(viaEngine.ok && viaEngine.value, `${m.source} via pageMapper`).toEqual(want.value);
        }),
        { numRuns: 40 },
      );
    });
  }
});

describe('page mapper fallback', () => {
  const issue = (i: number) => ({ id: i, created: 1_700_000_000 + i, user: { login: `u${i}` }, labels: [{ name: 'bug' }] });

  it('maps a page whose values the fast path declines exactly as JSONata does', async () => {
    // Year 275760 is a valid JavaScript date JSONata formats itself; the fast path declines it.
    const mapping = '{ "id": $string(id), "at": $fromMillis(created * 1000) }';
    const raw = [issue(1), { id: 2, created: 8_000_000_000_000 }];
    const mapper = pageMapper(compileExpr(wrapMapping(mapping)));
    expect(mapper.fast).toBe(true);
    expect(() => compileFastPageMapper(wrapMapping(mapping))!.mapPage(raw)).toThrow(FastBail);
    const want = await reference(jsonataWithFunctions(wrapMapping(mapping)), raw, {});
    expect(want.ok).toBe(true);
    expect(await mapper.evaluate(raw)).toEqual(want.ok && want.value);
  });

  it('reports a failing record with the same mapping error as the JSONata wrapper', async () => {
    const mapping = '{ "id": id, "next": number + 1 }';
    const raw = [{ id: 1, number: 1 }, { id: 2, number: 'two' }];
    const mapper = pageMapper(compileExpr(wrapMapping(mapping), { path: 'streams.issues.mapping', file: 'c.yaml', line: 3 }));
    expect(mapper.fast).toBe(true);
    const err = await mapper.evaluate(raw).then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.kind).toBe('mapping');
    const jsonataMessage = await jsonataWithFunctions(wrapMapping(mapping)).evaluate(raw).then(() => '', (e) => String(e.message));
    expect(jsonataMessage).not.toBe('');
    expect(err.message).toBe(`JSONata streams.issues.mapping at c.yaml:3 failed: ${jsonataMessage}`);
  });

  it('collapses a one-record page whose mapping yields an array, as the JSONata wrapper does', async () => {
    const mapper = pageMapper(compileExpr(wrapMapping('[{"n": a}, {"n": b}]')));
    expect(mapper.fast).toBe(true);
    expect(await mapper.evaluate([{ a: 1, b: 2 }])).toEqual([{ n: 1 }, { n: 2 }]);
    expect(await mapper.evaluate([{ a: 1, b: 2 }, { a: 3 }])).toEqual([[{ n: 1 }, { n: 2 }], [{ n: 3 }, {}]]);
  });

  it('answers plain objects and arrays (no sequence flags, ordinary prototypes)', async () => {
    const mapper = pageMapper(compileExpr(wrapMapping('{ "labels": labels.name, "login": user.login }')));
    const out = (await mapper.evaluate([issue(1), issue(2)])) as Array<Record<string, unknown>>;
    expect(out).toEqual([{ labels: 'bug', login: 'u1' }, { labels: 'bug', login: 'u2' }]);
    for (const r of out) expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    const many = (await mapper.evaluate([{ labels: [{ name: 'a' }, { name: 'b' }] }])) as Array<Record<string, unknown>>;
    expect(many).toEqual([{ labels: ['a', 'b'] }]);
    expect(Object.keys(many[0].labels as object)).toEqual(['0', '1']);
    expect((many[0].labels as { sequence?: boolean }).sequence).toBeUndefined();
  });

  it('falls back for the whole page when a binding shadows a built-in the mapping calls', async () => {
    const mapping = '{ "id": $string(id) }';
    const fast = compileFastPageMapper(wrapMapping(mapping))!;
    expect(() => fast.mapPage([{ id: 1 }], { string: 'x' })).toThrow(FastBail);
    const mapper = pageMapper(compileExpr(wrapMapping(mapping)));
    const err = await mapper.evaluate([{ id: 1 }], { string: 'x' }).then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.kind).toBe('mapping');
  });
});

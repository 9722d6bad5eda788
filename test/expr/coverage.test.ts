/**
 * What the fast compiler takes on and what it leaves to JSONata. Declining is always safe
 * (JSONata runs as before); taking on a construct it does not mirror would not be.
 */
import { describe, expect, it } from 'vitest';
import { compileExpr } from '../../engine/lang/expr.js';
import { analyzeFast, compileFast, compileFastPageMapper, FastBail } from '../../engine/lang/expr-fast/index.js';
import { wrapMapping } from '../../engine/lang/mapping.js';
import { manifestExpressions } from './corpus.js';

describe('coverage decisions', () => {
  const unsupported: Array<[string, RegExp]> = [
    ['**.a', /descendant/],
    ['a.*', /wildcard/],
    ['*', /wildcard/],
    ['a.%.b', /parent|seekingParent|ancestor|tuple/],
    ['$map(a, function($v){ $v })', /\$map/],
    ['function($x){ $x }', /lambda/],
    ['a ~> $string()', /apply/],
    ['a^(b)', /sort/],
    ['a#$i.b', /tuple|index/],
    ['a@$x.b', /focus|tuple/],
    ['a{b: c}', /group/],
    ['{a: b}', /computed object key/],
    ['{"a": 1, "a": 2}', /duplicate/],
    ['{"__proto__": 1}', /__proto__/],
    ['$x := 1', /binding outside a block/],
    ['/ab+/', /regex/],
    ['$contains(a, /x/)', /regex/],
    ['[1..3]', /operator \.\./],
    ['$sum(a)', /function \$sum/],
    ['$replace(a, "x", "y")', /function \$replace/],
    ['$fromMillis(a, "[Y]")', /2 argument/],
    ['$split(a, ",", 2)', /3 argument/],
    ['$string', /used as a value/],
    ['$nope(a)', /function \$nope/],
    ['|a|{"b": 1}|', /transform/],
    ['($string := 1; $string(a))', /rebound/],
    ['$string(a)(b)', /computed function/],
  ];
  for (const [source, reason] of unsupported) {
    it(`leaves ${source} to JSONata`, () => {
      expect(compileFast(source)).toBeUndefined();
      const verdict = analyzeFast(source);
      expect(verdict.fast).toBe(false);
      expect(verdict.fast === false && verdict.reason).toMatch(reason);
      expect(compileExpr(source).fast).toBe(false);
    });
  }

  it('takes on paths, constructors, operators, conditions, blocks and the listed functions', () => {
    for (const source of ['a.b.`c d`', '$.a[0]', '[a, b][-1]', '{"x": a ? b : c}', '($v := a; $v & "-" & $count(b))', '$exists($headers.x) and $status >= 400']) {
      expect(analyzeFast(source), source).toEqual({ fast: true });
      expect(compileExpr(source).fast, source).toBe(true);
    }
  });

  it('leaves expressions nested beyond the depth guard to JSONata, which enforces it', () => {
    const deep = `${'('.repeat(120)}a${')'.repeat(120)}`;
    expect(compileFast(deep)).toBeDefined();
    expect(compileFast(deep, { maxDepth: 100 })).toBeUndefined();
    expect(compileExpr(deep, undefined, { maxDepth: 100 }).fast).toBe(false);
  });

  it('declines at run time what it does not mirror, so the caller asks JSONata', () => {
    expect(() => compileFast('a + 1')!.evaluate({ a: 'x' })).toThrow(FastBail);
    expect(() => compileFast('$number(a)')!.evaluate({ a: 'abc' })).toThrow(FastBail);
    expect(() => compileFast('a < b')!.evaluate({ a: 1, b: 'x' })).toThrow(FastBail);
    expect(() => compileFast('$string(a)')!.evaluate({ a: 1 }, { string: 1 })).toThrow(FastBail);
    expect(() => compileFast('$x')!.evaluate({}, { x: () => 1 })).toThrow(FastBail);
    expect(compileFast('a + 1')!.evaluate({ a: 2 })).toBe(3);
  });

  it('recognises only the exact page wrapper', () => {
    expect(compileFastPageMapper(wrapMapping('{"a": a}'))).toBeDefined();
    expect(compileFastPageMapper('$map($, function($r){ $r.(a) }, 1)')).toBeUndefined();
    expect(compileFastPageMapper('$map(a, function($r){ $r.(a) })')).toBeUndefined();
    expect(compileFastPageMapper('$map($, function($r, $i){ $r.(a) })')).toBeUndefined();
    expect(compileFastPageMapper('$map($, function($r){ $r.(a)[0] })')).toBeUndefined();
    expect(compileFastPageMapper('{"a": a}')).toBeUndefined();
    expect(compileFastPageMapper(wrapMapping('**.a'))).toBeUndefined();
  });
});

describe('shipped manifests', () => {
  const all = manifestExpressions();

  it('run every expression of the four connectors on the fast path', () => {
    const slow = all.filter((e) => !analyzeFast(e.source).fast).map((e) => `${e.name}: ${JSON.stringify(analyzeFast(e.source))}`);
    expect(all.length).toBeGreaterThan(100);
    expect(slow).toEqual([]);
  });

  it('map every stream page on the fast path', () => {
    const mappings = all.filter((e) => e.mapping);
    expect(mappings.length).toBeGreaterThanOrEqual(10);
    expect(mappings.filter((e) => !compileFastPageMapper(wrapMapping(e.source))).map((e) => e.name)).toEqual([]);
  });
});

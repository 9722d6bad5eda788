/**
 * compileExpr with the fast path wired in: same answers as JSONata, same `mapping` errors,
 * plain data out.
 */
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../engine/core/errors.js';
import { compileExpr } from '../../engine/lang/expr.js';

describe('compileExpr on the fast path', () => {
  it('answers as JSONata does, with plain data', async () => {
    const source = '{ "id": $string(id), "labels": labels.name, "n": $count(labels) }';
    const e = compileExpr(source);
    expect(e.fast).toBe(true);
    const rec = { id: 7, labels: [{ name: 'a' }, { name: 'b' }] };
    const out = (await e.evaluate(rec)) as Record<string, unknown>;
    expect(out).toEqual({ id: '7', labels: ['a', 'b'], n: 2 });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect((out.labels as { sequence?: boolean }).sequence).toBeUndefined();
    expect(JSON.stringify(out)).toBe(JSON.stringify(await jsonata(source).evaluate(rec)));
  });

  it('passes bindings as JSONata variables', async () => {
    const e = compileExpr('$status = 403 and $exists($headers.`retry-after`) ? $parent.id : $records[-1].id');
    expect(e.fast).toBe(true);
    expect(await e.evaluate({}, { status: 403, headers: { 'retry-after': '3' }, parent: { id: 'p' } })).toBe('p');
    expect(await e.evaluate({}, { status: 200, headers: {}, records: [{ id: 1 }, { id: 2 }] })).toBe(2);
  });

  it('fails with the same mapping error JSONata gives, naming the manifest place', async () => {
    const loc = { path: 'streams.issues.mapping', file: 'connector.yaml', line: 12, column: 5 };
    const e = compileExpr('{ "n": number + 1 }', loc);
    expect(e.fast).toBe(true);
    const err = await e.evaluate({ number: 'seven' }).then(() => undefined, (x) => x);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.kind).toBe('mapping');
    expect(err.location).toEqual(loc);
    const jsonataError = await jsonata('{ "n": number + 1 }').evaluate({ number: 'seven' }).then(() => undefined, (x) => x);
    expect(err.message).toBe(`JSONata streams.issues.mapping at connector.yaml:12:5 failed: ${jsonataError.message}`);
    expect(err.cause?.code).toBe('T2001');
  });

  it('lets JSONata answer an input the fast path declines', async () => {
    // `$string` shadowed by a binding: JSONata reports calling a non-function.
    const e = compileExpr('$string(id)');
    expect(e.fast).toBe(true);
    expect(await e.evaluate({ id: 1 })).toBe('1');
    const err = await e.evaluate({ id: 1 }, { string: 'not a function' }).then(() => undefined, (x) => x);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.cause?.code).toBe('T1006');
  });

  it('still enforces the time limit on expressions it leaves to JSONata', async () => {
    const e = compileExpr('($f := function($n){ $n = 0 ? 0 : $f($n - 1) + 1 }; $f(100000))', undefined, { maxDepth: 50 });
    expect(e.fast).toBe(false);
    const err = await e.evaluate({}).then(() => undefined, (x) => x);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.kind).toBe('mapping');
  });
});

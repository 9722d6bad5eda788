/**
 * Random JSON records and bindings for differential tests, biased towards the values that
 * make JSONata's rules matter: missing fields, nulls, arrays of none, one and many,
 * floats and large numbers, strings that look like numbers, dates and URLs.
 */
import fc from 'fast-check';

const STRINGS = [
  '', 'x', 'open', 'closed', 'Bot', 'string', 'object', 'https://example.test/o/r/pull/3', 'https://example.test/o/r/issues/7',
  '2024-01-02T03:04:05.678Z', '2024-01-02', '12', '-3.5', '1e3', '0x1F', ' a  b ', 'A.b.c', 'payment_intent', 'true', 'null',
];

const NUMBERS = [0, 1, -1, 2, 3, 0.1, 0.5, 1 / 3, 2.675, 1e21, 123456789012345680000, 1e-7, -42.25, 1.7e12, 9007199254740993, 1700000000];

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...STRINGS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 2, arbitrary: fc.constantFrom(...NUMBERS) },
  { weight: 1, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 2, arbitrary: fc.boolean() },
  { weight: 2, arbitrary: fc.constant(null) },
);

/** A JSON value whose objects use `names` (plus a little noise) as keys, nested up to `depth`. */
export function jsonValue(names: string[], depth = 3): fc.Arbitrary<unknown> {
  if (depth <= 0) return leaf;
  const keys = names.length > 0 ? [...names, 'zz'] : ['a', 'b', 'zz'];
  const inner = jsonValue(names, depth - 1);
  return fc.oneof(
    { weight: 4, arbitrary: leaf },
    { weight: 2, arbitrary: fc.dictionary(fc.constantFrom(...keys), inner, { maxKeys: 4 }) },
    { weight: 2, arbitrary: fc.array(inner, { maxLength: 3 }) },
  );
}

/** A record: an object that holds most of `names`. */
export function record(names: string[]): fc.Arbitrary<Record<string, unknown>> {
  const v = jsonValue(names);
  const keys = names.length > 0 ? names : ['a'];
  return fc.record(Object.fromEntries(keys.map((k) => [k, v])), { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>;
}

/** Inputs JSONata meets in practice: mostly records, sometimes arrays, scalars or nothing. */
export function input(names: string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: record(names) },
    { weight: 1, arbitrary: fc.array(record(names), { maxLength: 3 }) },
    { weight: 1, arbitrary: jsonValue(names, 2) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/** What the engine binds: `$headers`, `$status`, `$records`, `$parent`, `$input`. */
export function bindings(names: string[]): fc.Arbitrary<Record<string, unknown>> {
  const headerNames = ['retry-after', 'x-ratelimit-remaining', 'stripe-should-retry', 'link', ...names];
  return fc.record(
    {
      headers: fc.dictionary(fc.constantFrom(...headerNames), fc.constantFrom('0', '1', '30', 'true', 'false', '')),
      status: fc.constantFrom(200, 201, 400, 403, 404, 429, 500),
      records: fc.array(record(names), { maxLength: 3 }),
      parent: record(names),
      input: record(names),
    },
    { requiredKeys: ['status'] },
  );
}

/** A page of raw records for the page mapper, with the odd non-object in it. */
export function page(names: string[]): fc.Arbitrary<unknown[]> {
  return fc.array(
    fc.oneof({ weight: 8, arbitrary: record(names) }, { weight: 1, arbitrary: jsonValue(names, 2) }),
    { maxLength: 5 },
  );
}

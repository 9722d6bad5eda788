/**
 * The built-in functions the fast path runs, each with JSONata's own signature and a
 * synchronous copy of its implementation. Anything a function would do differently for an
 * unusual argument (a regex, a picture string, a function value) bails to real JSONata.
 */
import { parseSignature, type Signature } from './signature.js';
import { money, moneyFromMinor } from '../money.js';
import { bail, isFunction, isNumeric, lookup, toBoolean, toStr } from './values.js';

export interface FastRuntime {
  /** Caller's bindings (`$input`, `$headers`, …), or undefined. */
  bindings: Record<string, unknown> | undefined;
  /** `$$`: the input document as given. */
  root: unknown;
  /** Block-scoped variables, by compile-time slot. */
  locals: unknown[];
  /** `$millis()`/`$now()`: one instant per evaluation, taken on first use. */
  now?: number;
}

export interface Builtin {
  signature: Signature;
  /** Argument counts the fast path accepts (others stay with JSONata). */
  arity: readonly number[];
  impl(args: unknown[], rt: FastRuntime): unknown;
}

const ISO_8601 = /^\d{4}(-[01]\d)?(-[0-3]\d)?(T[0-2]\d:[0-5]\d:[0-5]\d)?(\.\d+)?([+-][0-2]\d:?[0-5]\d|Z)?$/;
const NUMBER_TEXT = /^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$/;
const RADIX_TEXT = /^(0[xX][0-9A-Fa-f]+)|(0[oO][0-7]+)|(0[bB][0-1]+)$/;

/** JSONata's default `$fromMillis` picture is ISO 8601 in UTC, which `toISOString` matches for years 1–9999. */
function isoFromMillis(millis: number): string {
  const d = new Date(millis);
  const year = d.getUTCFullYear();
  if (Number.isNaN(year) || year < 1 || year > 9999) bail('timestamp outside the ISO range the fast path formats');
  return d.toISOString();
}

function toNumber(arg: unknown): number | undefined {
  if (arg === undefined) return undefined;
  if (typeof arg === 'number') return arg;
  if (typeof arg === 'string' && NUMBER_TEXT.test(arg) && !Number.isNaN(parseFloat(arg)) && Number.isFinite(Number(arg))) return parseFloat(arg);
  if (typeof arg === 'string' && RADIX_TEXT.test(arg)) return Number(arg);
  if (arg === true) return 1;
  if (arg === false) return 0;
  return bail('D3030 not a number');
}

function typeOf(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (value === null) return 'null';
  if (isNumeric(value)) return 'number';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (Array.isArray(value)) return 'array';
  if (isFunction(value)) return 'function';
  return 'object';
}

function trim(str: string): string {
  let result = str.replace(/[ \t\n\r]+/gm, ' ');
  if (result.charAt(0) === ' ') result = result.substring(1);
  if (result.charAt(result.length - 1) === ' ') result = result.substring(0, result.length - 1);
  return result;
}

function merge(arg: unknown[] | undefined): Record<string, unknown> | undefined {
  if (arg === undefined) return undefined;
  const result: Record<string, unknown> = {};
  for (const obj of arg) {
    for (const prop of Object.keys(obj as object)) {
      if (prop === '__proto__') bail('__proto__ key');
      result[prop] = (obj as Record<string, unknown>)[prop];
    }
  }
  return result;
}

function def(signature: string, arity: number[], impl: Builtin['impl']): Builtin {
  return { signature: parseSignature(signature), arity, impl };
}

const str = (v: unknown) => v as string | undefined;

// Implementations take the validated argument list by index (no destructuring on the hot path).
export const BUILTINS: Readonly<Record<string, Builtin>> = {
  string: def('<x-b?:s>', [0, 1, 2], (a) => toStr(a[0], a[1] === true)),
  number: def('<(nsb)-:n>', [0, 1], (a) => toNumber(a[0])),
  boolean: def('<x-:b>', [0, 1], (a) => toBoolean(a[0])),
  not: def('<x-:b>', [0, 1], (a) => (a[0] === undefined ? undefined : !toBoolean(a[0]))),
  exists: def('<x:b>', [1], (a) => a[0] !== undefined),
  count: def('<a:n>', [1], (a) => (a[0] === undefined ? 0 : (a[0] as unknown[]).length)),
  type: def('<x:s>', [1], (a) => typeOf(a[0])),
  join: def('<a<s>s?:s>', [1, 2], (a) => (a[0] === undefined ? undefined : (a[0] as string[]).join(a[1] === undefined ? '' : (a[1] as string)))),
  lowercase: def('<s-:s>', [0, 1], (a) => str(a[0])?.toLowerCase()),
  uppercase: def('<s-:s>', [0, 1], (a) => str(a[0])?.toUpperCase()),
  trim: def('<s-:s>', [0, 1], (a) => (a[0] === undefined ? undefined : trim(a[0] as string))),
  length: def('<s-:n>', [0, 1], (a) => (a[0] === undefined ? undefined : [...(a[0] as string)].length)),
  contains: def('<s-(sf):b>', [1, 2], (a) => {
    const [s, token] = a;
    if (s === undefined || token === undefined) return undefined;
    if (typeof token !== 'string') bail('$contains with a pattern');
    return (s as string).indexOf(token) !== -1;
  }),
  substringBefore: def('<s-s:s>', [1, 2], (a) => {
    const [s, chars] = a;
    if (s === undefined) return undefined;
    const pos = (s as string).indexOf(chars as string);
    return pos > -1 ? (s as string).substring(0, pos) : s;
  }),
  substringAfter: def('<s-s:s>', [1, 2], (a) => {
    const [s, chars] = a;
    if (s === undefined) return undefined;
    // JSONata reads `chars.length` after a match, which fails for a missing separator.
    if (chars === undefined) bail('$substringAfter without a separator');
    const pos = (s as string).indexOf(chars as string);
    return pos > -1 ? (s as string).substring(pos + (chars as string).length) : s;
  }),
  split: def('<s-(sf)n?:a<s>>', [1, 2], (a) => {
    const [s, sep, limit] = a;
    if (s === undefined) return undefined;
    if (typeof sep !== 'string' || limit !== undefined) bail('$split with a pattern or limit');
    return (s as string).split(sep);
  }),
  floor: def('<n-:n>', [0, 1], (a) => (a[0] === undefined ? undefined : Math.floor(a[0] as number))),
  ceil: def('<n-:n>', [0, 1], (a) => (a[0] === undefined ? undefined : Math.ceil(a[0] as number))),
  abs: def('<n-:n>', [0, 1], (a) => (a[0] === undefined ? undefined : Math.abs(a[0] as number))),
  lookup: def('<x-s:x>', [1, 2], (a) => lookup(a[0], a[1] as string)),
  merge: def('<a<o>:o>', [1], (a) => merge(a[0] as unknown[] | undefined)),
  fromMillis: def('<n-s?s?:s>', [0, 1], (a) => {
    const [ms, picture, tz] = a;
    if (ms === undefined) return undefined;
    if (picture !== undefined || tz !== undefined) bail('$fromMillis with a picture');
    return isoFromMillis(ms as number);
  }),
  toMillis: def('<s-s?:n>', [0, 1], (a) => {
    const [ts, picture] = a;
    if (ts === undefined) return undefined;
    if (picture !== undefined || !ISO_8601.test(ts as string)) bail('$toMillis with a picture or a non-ISO timestamp');
    return Date.parse(ts as string);
  }),
  millis: def('<:n>', [0], (_a, rt) => (rt.now ??= Date.now())),
  now: def('<s?s?:s>', [0], (_a, rt) => isoFromMillis((rt.now ??= Date.now()))),
  // Patchbay's own (engine/lang/money.ts); a refused amount throws, so JSONata reports it.
  money: def('<x-x?:s>', [1, 2], (a) => money(a[0], a[1])),
  moneyFromMinor: def('<x-x?:s>', [1, 2], (a) => moneyFromMinor(a[0], a[1])),
};

/** Names JSONata binds outside the static frame (per compiled expression); bindings shadow them too. */
export const BUILTIN_NAMES: ReadonlySet<string> = new Set([
  'sum', 'count', 'max', 'min', 'average', 'string', 'substring', 'substringBefore', 'substringAfter', 'lowercase', 'uppercase',
  'length', 'trim', 'pad', 'match', 'contains', 'replace', 'split', 'join', 'formatNumber', 'formatBase', 'formatInteger',
  'parseInteger', 'number', 'floor', 'ceil', 'round', 'abs', 'sqrt', 'power', 'random', 'boolean', 'not', 'map', 'zip',
  'filter', 'single', 'reduce', 'sift', 'keys', 'lookup', 'append', 'exists', 'spread', 'merge', 'reverse', 'each', 'error',
  'assert', 'type', 'sort', 'shuffle', 'distinct', 'base64encode', 'base64decode', 'encodeUrlComponent', 'encodeUrl',
  'decodeUrlComponent', 'decodeUrl', 'eval', 'toMillis', 'fromMillis', 'clone', 'now', 'millis',
  'money', 'moneyFromMinor',
]);

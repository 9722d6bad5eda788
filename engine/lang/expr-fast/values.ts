/**
 * JSONata's value model, mirrored synchronously. Results are represented exactly as JSONata
 * represents them (sequences are arrays flagged `sequence`, array constructors may carry
 * `cons`, singleton-keeping sequences `keepSingleton`, the top-level array input
 * `outerWrapper`), so every rule that depends on those flags behaves the same and values
 * passed in from JSONata itself (a `$records` sequence) are read the same way.
 */

/**
 * Thrown when a runtime case is outside what the fast path mirrors (an error JSONata would
 * raise, a function value, an unusual key). The caller then evaluates the same input with
 * real JSONata, which gives the authoritative answer or error.
 */
export class FastBail extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'FastBail';
  }
}

export function bail(reason: string): never {
  throw new FastBail(reason);
}

export type Seq = unknown[] & { sequence?: boolean; keepSingleton?: boolean; cons?: boolean; outerWrapper?: boolean; tupleStream?: boolean };

/** JSONata's `createSequence()`: an array flagged as a sequence. */
export function seq(): Seq {
  const s: Seq = [];
  s.sequence = true;
  return s;
}

/** `createSequence(item)`: a one-item sequence, even when the item is undefined. */
export function seqOf(item: unknown): Seq {
  const s = seq();
  s.push(item);
  return s;
}

export function isSeq(v: unknown): v is Seq {
  return Array.isArray(v) && (v as Seq).sequence === true;
}

/** JSONata's `isFunction`, including objects that carry its internal function flags. */
export function isFunction(v: unknown): boolean {
  if (typeof v === 'function') return true;
  if (v === null || typeof v !== 'object') return false;
  const o = v as { _jsonata_function?: unknown; _jsonata_lambda?: unknown };
  return o._jsonata_function === true || o._jsonata_lambda === true;
}

/** JSONata's `isNumeric`: NaN is not numeric, ±Infinity is an error (D1001). */
export function isNumeric(n: unknown): n is number {
  if (typeof n !== 'number') return false;
  if (Number.isNaN(n)) return false;
  if (!Number.isFinite(n)) bail('D1001 non-finite number');
  return true;
}

export function isArrayOfNumbers(arg: unknown): boolean {
  if (!Array.isArray(arg)) return false;
  // Every item is tested, as JSONata's filter does: a later Infinity is still an error.
  let all = true;
  for (const item of arg) if (!isNumeric(item)) all = false;
  return all;
}

/**
 * What `evaluate()` does to every node's result: a sequence of none is nothing, a sequence
 * of one is the item (unless it keeps singletons), `keepArray` (`[]`) marks it to keep them.
 */
export function collapse(result: unknown, keepArray = false): unknown {
  if (!result || !isSeq(result) || result.tupleStream) return result;
  if (keepArray) result.keepSingleton = true;
  if (result.length === 0) return undefined;
  if (result.length === 1) return result.keepSingleton ? result : result[0];
  return result;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** JSONata's `lookup`: a field of an object, or of every object in an array (flattened). */
export function lookup(input: unknown, key: string): unknown {
  if (Array.isArray(input)) {
    const result = seq();
    for (let i = 0; i < input.length; i++) {
      const res = lookup(input[i], key);
      if (res === undefined) continue;
      if (Array.isArray(res)) for (const v of res) result.push(v);
      else result.push(res);
    }
    return result;
  }
  if (input !== null && typeof input === 'object' && hasOwn.call(input, key) && !isFunction(input)) {
    return (input as Record<string, unknown>)[key];
  }
  return undefined;
}

/** JSONata's `fn.boolean`: the effective boolean value, undefined for undefined. */
export function toBoolean(arg: unknown): boolean | undefined {
  if (arg === undefined) return undefined;
  if (Array.isArray(arg)) {
    if (arg.length === 1) return toBoolean(arg[0]);
    if (arg.length > 1) {
      let any = false;
      for (const v of arg) if (toBoolean(v)) any = true;
      return any;
    }
    return false;
  }
  if (typeof arg === 'string') return arg.length > 0;
  if (isNumeric(arg)) return arg !== 0;
  if (arg !== null && typeof arg === 'object' && !isFunction(arg)) return Object.keys(arg).length > 0;
  return arg === true;
}

export function boolize(v: unknown): boolean {
  return toBoolean(v) ?? false;
}

function stringReplacer(_key: string, val: unknown): unknown {
  if (val !== undefined && val !== null && isNumeric(val)) {
    return !Number.isInteger(val) ? Number(val.toPrecision(15)) : val;
  }
  return val && isFunction(val) ? '' : val;
}

/** JSONata's `$string`: numbers to 15 significant digits, values as compact JSON. */
export function toStr(arg: unknown, prettify = false): string | undefined {
  if (arg === undefined) return undefined;
  if (typeof arg === 'string') return arg;
  if (isFunction(arg)) return '';
  if (typeof arg === 'number') {
    if (!Number.isFinite(arg)) bail('D3001 non-finite number to string');
    // What JSON.stringify with JSONata's replacer gives a number, without the replacer call.
    return Number.isInteger(arg) ? String(arg) : String(Number(arg.toPrecision(15)));
  }
  if (typeof arg === 'boolean' || arg === null) return String(arg);
  let value = arg;
  if (Array.isArray(value) && (value as Seq).outerWrapper) value = value[0];
  return JSON.stringify(value, stringReplacer, prettify ? 2 : 0);
}

/** JSONata's `isDeepEqual`. */
export function deepEqual(lhs: unknown, rhs: unknown): boolean {
  if (lhs === rhs) return true;
  if (typeof lhs !== 'object' || typeof rhs !== 'object' || lhs === null || rhs === null) return false;
  if (Array.isArray(lhs) && Array.isArray(rhs)) {
    if (lhs.length !== rhs.length) return false;
    for (let i = 0; i < lhs.length; i++) if (!deepEqual(lhs[i], rhs[i])) return false;
    return true;
  }
  const lkeys = Object.getOwnPropertyNames(lhs).sort();
  const rkeys = Object.getOwnPropertyNames(rhs).sort();
  if (lkeys.length !== rkeys.length) return false;
  for (let i = 0; i < lkeys.length; i++) if (lkeys[i] !== rkeys[i]) return false;
  for (const k of lkeys) if (!deepEqual((lhs as Record<string, unknown>)[k], (rhs as Record<string, unknown>)[k])) return false;
  return true;
}

/** JSONata's `fn.append`: undefined is ignored, non-arrays become one-item arrays; the result is a plain array. */
export function append(arg1: unknown, arg2: unknown): unknown {
  if (arg1 === undefined) return arg2;
  if (arg2 === undefined) return arg1;
  const a1 = Array.isArray(arg1) ? arg1 : seqOf(arg1);
  const a2 = Array.isArray(arg2) ? arg2 : [arg2];
  return a1.concat(a2);
}

function isClean(v: unknown, depth: number): boolean {
  if (v === null || typeof v !== 'object') return true;
  if (depth > 64) return false;
  if (Array.isArray(v)) {
    const s = v as Seq;
    if (s.sequence !== undefined || s.cons !== undefined || s.keepSingleton !== undefined || s.outerWrapper !== undefined) return false;
    for (let i = 0; i < v.length; i++) if (!isClean(v[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto === null) return false;
  if (proto !== Object.prototype) return true;
  for (const k in v) if (!isClean((v as Record<string, unknown>)[k], depth + 1)) return false;
  return true;
}

function copyPlain(v: unknown): unknown {
  if (Array.isArray(v)) return Array.from(v, copyPlain);
  if (v !== null && typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return v;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const item = copyPlain((v as Record<string, unknown>)[k]);
      if (k === '__proto__') Object.defineProperty(out, k, { value: item, enumerable: true, writable: true, configurable: true });
      else out[k] = item;
    }
    return out;
  }
  return v;
}

/**
 * The value as plain JSON data (what `operations/plain.ts` makes of JSONata's output):
 * unflagged arrays, objects with the ordinary prototype. A value that already is plain is
 * returned as is, so the common case costs one read-only walk and no copy.
 */
export function finalize(v: unknown): unknown {
  return isClean(v, 0) ? v : copyPlain(v);
}

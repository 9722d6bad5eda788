/**
 * Location paths and predicates: JSONata's evaluatePath, evaluateStep and evaluateFilter,
 * mirrored. A path over arrays flattens one level per step; the last step keeps a lone plain
 * array as it is; `[n]` indexes from the end when negative; `[expr]` filters by truth or
 * by the indexes it yields.
 */
import type { FastRuntime } from './functions.js';
import { bail, collapse, isArrayOfNumbers, isNumeric, isSeq, lookup, seq, seqOf, toBoolean, type Seq } from './values.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Node = any;
export type Fn = (input: unknown, rt: FastRuntime) => unknown;
export type CompileNode = (node: Node) => Fn;

export class Unsupported extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'Unsupported';
  }
}

/** Node fields that belong to constructs outside the subset (grouping, focus/index binding, ancestry, sorting). */
const FOREIGN_FIELDS = ['group', 'focus', 'tuple', 'index', 'ancestor', 'seekingParent', 'thunk'];

export function rejectForeign(node: Node): void {
  for (const f of FOREIGN_FIELDS) if (node[f] !== undefined) throw new Unsupported(`${f} on ${node.type}`);
}

type Filter = (input: unknown, rt: FastRuntime) => unknown;

function indexFilter(value: number): Filter {
  const at = Math.floor(value);
  return (input) => {
    const arr = (Array.isArray(input) ? input : seqOf(input)) as unknown[];
    const item = arr[at < 0 ? arr.length + at : at];
    if (item === undefined) return seq();
    if (Array.isArray(item)) return item;
    return seqOf(item);
  };
}

function exprFilter(pred: Fn): Filter {
  return (input, rt) => {
    const arr = (Array.isArray(input) ? input : seqOf(input)) as unknown[];
    const results = seq();
    for (let index = 0; index < arr.length; index++) {
      const item = arr[index];
      let res = pred(item, rt);
      if (isNumeric(res)) res = [res];
      if (isArrayOfNumbers(res)) {
        for (const n of res as number[]) {
          let ii = Math.floor(n);
          if (ii < 0) ii = arr.length + ii;
          if (ii === index) results.push(item);
        }
      } else if (toBoolean(res)) {
        results.push(item);
      }
    }
    return results;
  };
}

/** Predicates (`[…]` after a node) or a step's stages, in order. */
export function compileFilters(list: Node[] | undefined, compile: CompileNode): Filter[] {
  if (!list) return [];
  return list.map((p) => {
    if (p.type !== 'filter') throw new Unsupported(`${p.type} stage`);
    const e = p.expr;
    if (e.type === 'number') return indexFilter(e.value);
    return exprFilter(compile(e));
  });
}

export function applyFilters(filters: Filter[], value: unknown, rt: FastRuntime): unknown {
  let v = value;
  for (const f of filters) v = f(v, rt);
  return v;
}

/** evaluateStep: one step over every item of the input sequence, flattened. */
function runStep(step: Fn, stages: Filter[], input: any, rt: FastRuntime, last: boolean): Seq | unknown[] {
  const result: unknown[] = [];
  // `input` is normally an array; JSONata also walks whatever `.length` a stray value has.
  const n: number = input.length;
  for (let i = 0; i < n; i++) {
    let res = step(input[i], rt);
    if (stages.length > 0) res = applyFilters(stages, res, rt);
    if (res !== undefined) result.push(res);
  }
  if (last && result.length === 1 && Array.isArray(result[0]) && !isSeq(result[0])) return result[0] as unknown[];
  const rs = seq();
  for (const res of result) {
    if (!Array.isArray(res) || (res as Seq).cons) rs.push(res);
    else for (const v of res) rs.push(v);
  }
  return rs;
}

/** JSONata's `lookup` on one value that is not an array (or is a constructed `cons` array). */
function lookupOne(single: unknown, key: string): unknown {
  if (single === null || typeof single !== 'object') return undefined;
  if (Array.isArray(single)) return collapse(lookup(single, key));
  const o = single as Record<string, unknown> & { _jsonata_function?: unknown; _jsonata_lambda?: unknown };
  if (!hasOwn.call(o, key) || o._jsonata_function === true || o._jsonata_lambda === true) return undefined;
  const v = o[key];
  // A value handed in by JSONata itself may be a sequence; evaluate() collapses it.
  return Array.isArray(v) && (v as Seq).sequence === true ? collapse(v) : v;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * A path of plain field names (`user.login`). One object at a time needs no sequences at
 * all; once a step meets an array the general rules take over from that step.
 */
function namePath(names: string[]): Fn {
  const lastK = names.length - 1;

  /** evaluateStep from step `k0` on, over a sequence of items. */
  const fromItems = (start: unknown[], k0: number): unknown => {
    let items = start;
    for (let k = k0; k <= lastK; k++) {
      const result: unknown[] = [];
      for (let i = 0; i < items.length; i++) {
        const r = collapse(lookup(items[i], names[k]));
        if (r !== undefined) result.push(r);
      }
      if (k === lastK && result.length === 1 && Array.isArray(result[0]) && !isSeq(result[0])) return result[0];
      // A plain array stands in for the sequence: what follows treats a sequence of two or
      // more exactly like a plain array, and shorter ones are collapsed right here.
      const rs: unknown[] = [];
      for (const r of result) {
        if (!Array.isArray(r) || (r as Seq).cons) rs.push(r);
        else for (const v of r) rs.push(v);
      }
      if (rs.length === 0) return undefined;
      if (k === lastK) return rs.length === 1 ? rs[0] : rs;
      items = rs;
    }
    return undefined;
  };

  return (input) => {
    if (Array.isArray(input)) return fromItems(input, 0);
    let single: unknown = input;
    for (let k = 0; k <= lastK; k++) {
      const res = lookupOne(single, names[k]);
      if (res === undefined) return undefined;
      if (!Array.isArray(res)) {
        if (k === lastK) return res;
        single = res;
        continue;
      }
      if (k === lastK) {
        // The last step keeps a lone plain array as it is; a sequence is flattened and collapsed.
        if (!isSeq(res) || (res as Seq).cons) return res;
        return res.length === 1 ? res[0] : res;
      }
      if ((res as Seq).cons) single = res;
      else if (res.length === 0) return undefined;
      else return fromItems(res, k + 1);
    }
    return undefined;
  };
}

/** Whether a compiled path already hands back collapsed values (evaluate()'s post-processing would change nothing). */
export function isNamePath(node: Node): boolean {
  return node.type === 'path' && !node.keepSingletonArray && Array.isArray(node.steps) && node.steps.length > 0 && node.steps.every(isPlainName);
}

function isPlainName(s: Node): boolean {
  return (
    s.type === 'name' && s.stages === undefined && s.predicate === undefined && !s.keepArray && !s.consarray && FOREIGN_FIELDS.every((f) => s[f] === undefined)
  );
}

export function compilePath(node: Node, compile: CompileNode): Fn {
  rejectForeign(node);
  const steps: Node[] = node.steps;
  if (steps.length === 0) throw new Unsupported('empty path');
  steps.forEach(rejectForeign);
  if (!node.keepSingletonArray && steps.every(isPlainName)) return namePath(steps.map((s) => String(s.value)));

  const compiled = steps.map((s) => {
    if (s.type === 'sort') throw new Unsupported('sort step');
    // Stages run per step here, after the step's own evaluation; the node compiler must not see them.
    return { fn: compile({ ...s, stages: undefined }), stages: compileFilters(s.stages, compile) };
  });
  const absolute = steps[0].type === 'variable';
  const consFirst = steps[0].consarray === true;
  const keepSingleton = node.keepSingletonArray === true;
  const lastI = compiled.length - 1;

  return (input, rt) => {
    let inputSeq: any = Array.isArray(input) && !absolute ? input : seqOf(input);
    let rs: any;
    for (let i = 0; i <= lastI; i++) {
      const step = compiled[i];
      if (i === 0 && consFirst) rs = step.fn(inputSeq, rt);
      else rs = runStep(step.fn, step.stages, inputSeq, rt, i === lastI);
      if (rs === undefined) break;
      if (rs === null) bail('null step result');
      if (rs.length === 0) break;
      inputSeq = rs;
    }
    if (keepSingleton) {
      if (!Array.isArray(rs)) bail('keep-singleton on a non-array');
      if ((rs as Seq).cons && !(rs as Seq).sequence) rs = seqOf(rs);
      // JSONata also flags a plain array taken from the input, where the flag is never read;
      // leaving the caller's data untouched is the same result.
      if (isSeq(rs)) rs.keepSingleton = true;
    }
    return rs;
  };
}

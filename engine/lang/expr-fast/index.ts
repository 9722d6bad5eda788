/**
 * The JSONata fast path. JSONata 2.x evaluates every AST node through async functions and
 * promises, which dominates the cost of mapping records. For the subset described in
 * ./README.md this compiles the same AST to synchronous closures with JSONata's exact
 * semantics; outside it, `compileFast` answers undefined and real JSONata keeps running.
 * A fast evaluation that meets a case it does not mirror throws, and the caller re-runs
 * that input with real JSONata.
 */
import jsonata from 'jsonata';
import { compileFinal, compileNode, finalKind, Scope, type CompileState } from './compile.js';
import type { FastRuntime } from './functions.js';
import { Unsupported, type Fn, type Node } from './path.js';
import { bail, finalize, isSeq, seqOf, type Seq } from './values.js';

export { FastBail } from './values.js';

export interface FastExpr {
  /**
   * What `jsonata(source).evaluate(input, bindings)` gives, as plain data, synchronously.
   * Throws (FastBail or another error) when the caller must evaluate with real JSONata.
   */
  evaluate(input: unknown, bindings?: Record<string, unknown>): unknown;
}

export interface FastOptions {
  /** JSONata's evaluation depth limit; expressions nested close to it stay with JSONata, which enforces it. */
  maxDepth?: number;
}

export type FastVerdict = { fast: true } | { fast: false; reason: string };

/** Evaluation frames JSONata spends around the expression itself (the page wrapper, paths). */
const DEPTH_MARGIN = 16;
const EMPTY: unknown[] = [];
const hasOwn = Object.prototype.hasOwnProperty;

function astDepth(node: unknown, seen = 0): number {
  if (seen > 10_000) return seen;
  if (Array.isArray(node)) return node.reduce((m: number, n) => Math.max(m, astDepth(n, seen)), seen);
  if (node === null || typeof node !== 'object') return seen;
  let max = seen + 1;
  for (const v of Object.values(node)) if (v !== null && typeof v === 'object') max = Math.max(max, astDepth(v, seen + 1));
  return max;
}

function parse(source: string): Node {
  return jsonata(source).ast();
}

function checkDepth(ast: Node, opts: FastOptions): void {
  const limit = opts.maxDepth ?? 500;
  if (astDepth(ast) * 2 + DEPTH_MARGIN > limit) throw new Unsupported('nested too deeply for the depth guard');
}

function newState(scope = new Scope()): CompileState {
  return { scope, called: new Set(), slots: { n: 0 } };
}

/** Built-ins are looked up after the caller's bindings: a binding with a built-in's name shadows it. */
function shadowCheck(called: Set<string>): (bindings: Record<string, unknown> | undefined) => void {
  const names = [...called];
  return (bindings) => {
    if (bindings === undefined || names.length === 0) return;
    for (const n of names) if (hasOwn.call(bindings, n)) bail(`binding $${n} shadows the built-in`);
  };
}

/** JSONata wraps a top-level array input so `$` and paths see it as one value. */
function wrapInput(input: unknown): unknown {
  if (!Array.isArray(input) || isSeq(input)) return input;
  const wrapped = seqOf(input);
  wrapped.outerWrapper = true;
  return wrapped;
}

function compileAst(ast: Node, opts: FastOptions): FastExpr {
  checkDepth(ast, opts);
  const st = newState();
  const fn = compileFinal(ast, st);
  const shadowed = shadowCheck(st.called);
  const slots = st.slots.n;
  return {
    evaluate(input, bindings) {
      shadowed(bindings);
      const rt: FastRuntime = { bindings, root: input, locals: slots === 0 ? EMPTY : new Array(slots) };
      return fn(wrapInput(input), rt);
    },
  };
}

/** Whether `source` (or its AST) compiles to the fast path, and why not. */
export function analyzeFast(source: string | Node, opts: FastOptions = {}): FastVerdict {
  try {
    compileAst(typeof source === 'string' ? parse(source) : source, opts);
    return { fast: true };
  } catch (err) {
    return { fast: false, reason: err instanceof Unsupported ? err.message : `not compiled: ${(err as Error)?.message ?? err}` };
  }
}

/** A synchronous evaluator for `source`, or undefined when it uses anything outside the subset. */
export function compileFast(source: string | Node, opts: FastOptions = {}): FastExpr | undefined {
  try {
    return compileAst(typeof source === 'string' ? parse(source) : source, opts);
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    // A parse error is for the real compiler to report.
    return undefined;
  }
}

export interface FastPageMapper {
  /**
   * The page mapper's answer (see manifest/mapping.ts `pageMapper`) for a page of raw records:
   * one plain array of mapped values, undefined results dropped.
   */
  mapPage(page: unknown, bindings?: Record<string, unknown>): unknown[];
}

const bare = (n: Node) =>
  n && n.predicate === undefined && n.stages === undefined && !n.keepArray && n.group === undefined && !n.keepSingletonArray;

/**
 * Recognises the page wrapper `$map($, function($r){ $r.(<mapping>) })` in `ast` and returns
 * the lambda's parameter name, body path and mapping block, or undefined for any other shape.
 */
function wrapperParts(ast: Node): { param: string; body: Node; block: Node } | undefined {
  if (ast?.type !== 'function' || !bare(ast) || ast.procedure?.type !== 'variable' || ast.procedure.value !== 'map') return undefined;
  const [arr, lambda] = ast.arguments ?? [];
  if (ast.arguments.length !== 2 || arr?.type !== 'variable' || arr.value !== '' || !bare(arr)) return undefined;
  if (lambda?.type !== 'lambda' || lambda.signature !== undefined || lambda.thunk || lambda.arguments?.length !== 1) return undefined;
  const param = lambda.arguments[0]?.value;
  const body = lambda.body;
  if (typeof param !== 'string' || body?.type !== 'path' || !bare(body) || body.steps?.length !== 2) return undefined;
  const [first, blk] = body.steps;
  if (first.type !== 'variable' || first.value !== param || !bare(first) || first.consarray) return undefined;
  if (blk.type !== 'block' || !bare(blk)) return undefined;
  return { param, body, block: blk };
}

/**
 * The page mapper's fast path: the per-record mapping runs as a closure in a plain loop,
 * with exactly the sequence rules the JSONata wrapper applies around it. Undefined when the
 * wrapper or the mapping is outside the subset.
 */
export function compileFastPageMapper(wrappedSource: string | Node, opts: FastOptions = {}): FastPageMapper | undefined {
  let ast: Node;
  try {
    ast = typeof wrappedSource === 'string' ? parse(wrappedSource) : wrappedSource;
  } catch {
    return undefined;
  }
  const parts = wrapperParts(ast);
  if (!parts) return undefined;
  let blockFn: Fn;
  let bodyFn: Fn;
  let st: CompileState;
  // A mapping ending in an object constructor (the usual case) builds plain records directly.
  const blockFinal = finalKind(parts.block);
  try {
    checkDepth(ast, opts);
    const scope = new Scope();
    st = newState(scope);
    scope.set(parts.param, st.slots.n++);
    st.called.add('map');
    blockFn = blockFinal ? compileFinal(parts.block, st) : compileNode(parts.block, st);
    bodyFn = compileNode(parts.body, st);
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    return undefined;
  }
  const shadowed = shadowCheck(st.called);
  const slots = st.slots.n;

  /** `$r.(block)` for one record, as the lambda body evaluates it, as plain data. */
  const one = (rec: unknown, wrapped: unknown, rt: FastRuntime): unknown => {
    if (Array.isArray(rec)) return finalize(bodyFn(wrapped, rt));
    if (rec === undefined) return undefined;
    const v = blockFn(rec, rt);
    if (blockFinal) return v;
    if (!Array.isArray(v) || !isSeq(v) || (v as Seq).cons) return finalize(v);
    return finalize(v.length === 0 ? undefined : v.length === 1 ? v[0] : v);
  };

  return {
    mapPage(page, bindings) {
      shadowed(bindings);
      const rt: FastRuntime = { bindings, root: page, locals: new Array(slots) };
      const wrapped = wrapInput(page);
      // `$` is the page; a sequence page is collapsed like any evaluated value.
      let arr: unknown = page;
      if (isSeq(page)) arr = page.length === 0 ? undefined : page.length === 1 && !page.keepSingleton ? page[0] : page;
      if (arr === undefined) return [];
      if (!Array.isArray(arr)) arr = [arr];
      const list = arr as unknown[];
      const out: unknown[] = [];
      for (let i = 0; i < list.length; i++) {
        rt.locals[0] = list[i];
        const v = one(list[i], wrapped, rt);
        if (v !== undefined) out.push(v);
      }
      // $map's sequence collapses: one result that is itself an array becomes the page.
      if (out.length === 1 && Array.isArray(out[0])) return Array.from(out[0] as unknown[]);
      return out;
    },
  };
}

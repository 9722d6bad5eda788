/**
 * JSONata AST → synchronous closure, for the subset in ./README.md. Each node compiles to
 * `(input, rt) => value` and goes through the same post-processing JSONata's `evaluate()`
 * applies (predicates, then sequence collapse). Anything outside the subset throws
 * `Unsupported` at compile time, so the caller keeps real JSONata for that expression.
 */
import { BUILTIN_NAMES, BUILTINS, type FastRuntime } from './functions.js';
import { applyFilters, compileFilters, compilePath, isNamePath, rejectForeign, Unsupported, type Fn, type Node } from './path.js';
import { append, bail, boolize, collapse, deepEqual, finalize, isFunction, isNumeric, lookup, toBoolean, toStr } from './values.js';

/** Block-scoped variables, resolved at compile time to slots in `rt.locals`. */
export class Scope {
  private readonly vars = new Map<string, number>();
  constructor(private readonly parent?: Scope) {}
  resolve(name: string): number | undefined {
    return this.vars.get(name) ?? this.parent?.resolve(name);
  }
  own(name: string): number | undefined {
    return this.vars.get(name);
  }
  set(name: string, slot: number): void {
    this.vars.set(name, slot);
  }
}

export interface CompileState {
  scope: Scope;
  /** Built-in functions called; a binding of the same name would shadow them. */
  called: Set<string>;
  /** Shared counter: every binding site gets its own slot. */
  slots: { n: number };
}

const hasOwn = Object.prototype.hasOwnProperty;
const RESERVED_KEYS = new Set(['_jsonata_lambda', '_jsonata_function', '__proto__']);

function variable(name: string, st: CompileState): Fn {
  if (name === '') return (input) => (input && (input as { outerWrapper?: boolean }).outerWrapper ? (input as unknown[])[0] : input);
  if (name === '$') return (_input, rt) => rt.root;
  const slot = st.scope.resolve(name);
  if (slot !== undefined) return (_input, rt) => rt.locals[slot];
  // A built-in used as a value is a function: outside the subset.
  if (BUILTIN_NAMES.has(name)) throw new Unsupported(`$${name} used as a value`);
  return (_input, rt) => {
    const b = rt.bindings;
    if (b === undefined || !hasOwn.call(b, name)) return undefined;
    const v = b[name];
    if (isFunction(v)) bail(`binding $${name} is a function`);
    return v;
  };
}

function call(node: Node, st: CompileState, compile: (n: Node) => Fn): Fn {
  const proc = node.procedure;
  if (proc?.type !== 'variable' || proc.predicate || proc.stages || proc.keepArray) throw new Unsupported('call of a computed function');
  const name = String(proc.value);
  const builtin = BUILTINS[name];
  if (!builtin) throw new Unsupported(`function $${name}`);
  if (st.scope.resolve(name) !== undefined) throw new Unsupported(`$${name} rebound in a block`);
  const args: Fn[] = node.arguments.map((a: Node) => compile(a));
  if (!builtin.arity.includes(args.length)) throw new Unsupported(`$${name} with ${args.length} argument(s)`);
  st.called.add(name);
  return (input, rt) => {
    const values = new Array<unknown>(args.length);
    for (let i = 0; i < args.length; i++) {
      const v = args[i](input, rt);
      if (isFunction(v)) bail('function-valued argument');
      values[i] = v;
    }
    return builtin.impl(builtin.signature.validate(values, input), rt);
  };
}

function numeric(op: string, l: Fn, r: Fn): Fn {
  const compute = {
    '+': (a: number, b: number) => a + b,
    '-': (a: number, b: number) => a - b,
    '*': (a: number, b: number) => a * b,
    '/': (a: number, b: number) => a / b,
    '%': (a: number, b: number) => a % b,
  }[op]!;
  return (input, rt) => {
    const lhs = l(input, rt);
    const rhs = r(input, rt);
    if (lhs !== undefined && !isNumeric(lhs)) bail('T2001 left side is not a number');
    if (rhs !== undefined && !isNumeric(rhs)) bail('T2002 right side is not a number');
    if (lhs === undefined || rhs === undefined) return undefined;
    return compute(lhs as number, rhs as number);
  };
}

function comparison(op: string, l: Fn, r: Fn): Fn {
  return (input, rt) => {
    const lhs = l(input, rt);
    const rhs = r(input, rt);
    const lt = typeof lhs;
    const rtype = typeof rhs;
    const lok = lt === 'undefined' || lt === 'string' || lt === 'number';
    const rok = rtype === 'undefined' || rtype === 'string' || rtype === 'number';
    if (!lok || !rok) bail('T2010 operands are not comparable');
    if (lt === 'undefined' || rtype === 'undefined') return undefined;
    if (lt !== rtype) bail('T2009 operands of different types');
    const a = lhs as number | string;
    const b = rhs as number | string;
    switch (op) {
      case '<': return a < b;
      case '<=': return a <= b;
      case '>': return a > b;
      default: return a >= b;
    }
  };
}

function binary(node: Node, compile: (n: Node) => Fn): Fn {
  const op: string = node.value;
  const l = compile(node.lhs);
  const r = compile(node.rhs);
  switch (op) {
    case 'and': return (input, rt) => boolize(l(input, rt)) && boolize(r(input, rt));
    case 'or': return (input, rt) => boolize(l(input, rt)) || boolize(r(input, rt));
    case '+': case '-': case '*': case '/': case '%': return numeric(op, l, r);
    case '=': case '!=': {
      const eq = op === '=';
      return (input, rt) => {
        const lhs = l(input, rt);
        const rhs = r(input, rt);
        if (lhs === undefined || rhs === undefined) return false;
        return deepEqual(lhs, rhs) === eq;
      };
    }
    case '<': case '<=': case '>': case '>=': return comparison(op, l, r);
    case '&': return (input, rt) => {
      const lhs = l(input, rt);
      const rhs = r(input, rt);
      return (lhs === undefined ? '' : toStr(lhs)!) + (rhs === undefined ? '' : toStr(rhs)!);
    };
    case 'in': return (input, rt) => {
      const lhs = l(input, rt);
      const rhs = r(input, rt);
      if (lhs === undefined || rhs === undefined) return false;
      const list = Array.isArray(rhs) ? rhs : [rhs];
      for (const v of list) if (v === lhs) return true;
      return false;
    };
    default: throw new Unsupported(`operator ${op}`);
  }
}

function arrayConstructor(node: Node, compile: (n: Node) => Fn): Fn {
  const items = (node.expressions as Node[]).map((e) => ({ fn: compile(e), whole: e.value === '[' }));
  const cons = node.consarray === true;
  return (input, rt) => {
    // Building in place is what JSONata's repeated `append` amounts to: each item, or each
    // element of an array item, added once.
    const result: unknown[] = [];
    for (const item of items) {
      const v = item.fn(input, rt);
      if (v === undefined) continue;
      if (item.whole || !Array.isArray(v)) result.push(v);
      else for (const x of v) result.push(x);
    }
    if (cons) Object.defineProperty(result, 'cons', { enumerable: false, configurable: false, value: true });
    return result;
  };
}

function objectConstructor(node: Node, compile: (n: Node) => Fn): Fn {
  // `compile` is compileFinal for an object in final position, whose values go out as they are.
  const seen = new Set<string>();
  const pairs = (node.lhs as Node[][]).map(([k, v]) => {
    if (k.type !== 'string' || k.predicate || k.stages || k.keepArray) throw new Unsupported('computed object key');
    const key = String(k.value);
    if (RESERVED_KEYS.has(key)) throw new Unsupported(`object key ${key}`);
    if (seen.has(key)) throw new Unsupported('duplicate object key');
    seen.add(key);
    return { key, fn: compile(v) };
  });
  const keys = pairs.map((p) => p.key);
  const fns = pairs.map((p) => p.fn);
  const n = keys.length;
  const build = (context: unknown, rt: FastRuntime): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const v = fns[i](context, rt);
      if (v !== undefined) out[keys[i]] = v;
    }
    return out;
  };
  return (input, rt) => {
    if (!Array.isArray(input)) return build(input, rt);
    // Over a sequence every literal key groups every item: the values see them all, appended.
    if (input.length === 0) return build(undefined, rt);
    let data: unknown = input[0];
    for (let i = 1; i < input.length; i++) data = append(data, input[i]);
    return build(data, rt);
  };
}

function block(node: Node, st: CompileState, compileIn: (n: Node, st: CompileState) => Fn): Fn {
  const inner: CompileState = { ...st, scope: new Scope(st.scope) };
  const statements: Fn[] = (node.expressions as Node[]).map((e) => {
    if (e.type !== 'bind') return compileIn(e, inner);
    rejectForeign(e);
    if (e.lhs?.type !== 'variable' || e.predicate || e.stages) throw new Unsupported('binding to a non-variable');
    const name = String(e.lhs.value);
    if (name === '' || name === '$') throw new Unsupported('binding $ or $$');
    const rhs = compileIn(e.rhs, inner);
    let slot = inner.scope.own(name);
    if (slot === undefined) {
      slot = st.slots.n++;
      inner.scope.set(name, slot);
    }
    const s = slot;
    const keep = e.keepArray === true;
    return (input, rt) => {
      const v = rhs(input, rt);
      rt.locals[s] = v;
      return collapse(v, keep);
    };
  });
  if (statements.length === 1) return statements[0];
  return (input, rt) => {
    let r: unknown;
    for (let i = 0; i < statements.length; i++) r = statements[i](input, rt);
    return r;
  };
}

function condition(node: Node, compile: (n: Node) => Fn): Fn {
  const c = compile(node.condition);
  const t = compile(node.then);
  const e = node.else === undefined ? undefined : compile(node.else);
  return (input, rt) => (toBoolean(c(input, rt)) ? t(input, rt) : e ? e(input, rt) : undefined);
}

function core(node: Node, st: CompileState): Fn {
  const compile = (n: Node) => compileNode(n, st);
  switch (node.type) {
    case 'path': return compilePath(node, compile);
    case 'name': {
      const key = String(node.value);
      return (input) => lookup(input, key);
    }
    case 'string': case 'number': case 'value': {
      const v = node.value;
      return () => v;
    }
    case 'variable': return variable(String(node.value), st);
    case 'function': return call(node, st, compile);
    case 'binary': return binary(node, compile);
    case 'condition': return condition(node, compile);
    case 'block': return block(node, st, compileNode);
    case 'unary':
      if (node.value === '[') return arrayConstructor(node, compile);
      if (node.value === '{') return objectConstructor(node, compile);
      if (node.value === '-') {
        const e = compile(node.expression);
        return (input, rt) => {
          const v = e(input, rt);
          if (v === undefined) return undefined;
          if (isNumeric(v)) return -v;
          return bail('D1002 negating a non-number');
        };
      }
      throw new Unsupported(`unary ${node.value}`);
    default:
      throw new Unsupported(node.type === 'bind' ? 'binding outside a block' : `${node.type} expression`);
  }
}

/** One node with `evaluate()`'s post-processing: predicates, then sequence collapse. */
export function compileNode(node: Node, st: CompileState): Fn {
  if (node === null || typeof node !== 'object') throw new Unsupported('malformed node');
  rejectForeign(node);
  if (node.type !== 'path' && node.stages !== undefined) throw new Unsupported('stages outside a path');
  const fn = core(node, st);
  const predicates = compileFilters(node.predicate, (n) => compileNode(n, st));
  const keep = node.keepArray === true;
  if (predicates.length === 0) {
    if (!maySequence(node)) return fn;
    return (input, rt) => collapse(fn(input, rt), keep);
  }
  return (input, rt) => collapse(applyFilters(predicates, fn(input, rt), rt), keep);
}

/** Built-ins that may hand back a sequence (a lookup over arrays); the others answer scalars, plain arrays or objects. */
const SEQUENCE_BUILTINS = new Set(['lookup']);

/** Whether a node's own result can be a sequence, i.e. whether evaluate()'s collapse can change it. */
function maySequence(node: Node): boolean {
  switch (node.type) {
    case 'string': case 'number': case 'value': case 'binary': return false;
    case 'unary': return false;
    case 'function': return SEQUENCE_BUILTINS.has(String(node.procedure?.value));
    case 'path': return !isNamePath(node);
    default: return true;
  }
}

const hasPost = (node: Node) => node.predicate !== undefined || node.keepArray === true || node.stages !== undefined;

/**
 * Whether `node` in final position (its value is the expression's output, never navigated
 * again) can be compiled to produce plain data directly: object constructors (whose values
 * are then finalised as they are stored), scalars, and conditions or blocks ending in those.
 */
export function finalKind(node: Node): boolean {
  if (node === null || typeof node !== 'object' || hasPost(node)) return false;
  switch (node.type) {
    case 'string': case 'number': case 'value': case 'binary': return true;
    case 'unary': return node.value === '{' || node.value === '-';
    case 'condition': return finalKind(node.then) && (node.else === undefined || finalKind(node.else));
    case 'block': return node.expressions.length === 0 || (node.expressions[node.expressions.length - 1].type !== 'bind' && finalKind(node.expressions[node.expressions.length - 1]));
    default: return false;
  }
}

/**
 * A node in final position, compiled so its result is plain JSON data (see values.ts
 * `finalize`). Objects built here hold plain values from the start, so the output needs no
 * second walk or copy.
 */
export function compileFinal(node: Node, st: CompileState): Fn {
  if (!finalKind(node)) {
    const fn = compileNode(node, st);
    return (input, rt) => finalize(fn(input, rt));
  }
  rejectForeign(node);
  const final = (n: Node) => compileFinal(n, st);
  switch (node.type) {
    case 'unary':
      return node.value === '{' ? objectConstructor(node, final) : compileNode(node, st);
    case 'condition':
      return condition(node, (n) => (n === node.condition ? compileNode(n, st) : final(n)));
    case 'block': {
      const last = node.expressions.length - 1;
      return block(node, st, (n, inner) => (n === node.expressions[last] ? compileFinal(n, inner) : compileNode(n, inner)));
    }
    default:
      return compileNode(node, st);
  }
}

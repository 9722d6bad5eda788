/**
 * JSONata's function signatures (`<s-s?:s>`), ported so argument matching, context
 * substitution (`-`) and array wrapping (`a`) happen exactly as in JSONata. Where JSONata
 * would raise a type error (T0410/T0411/T0412) the fast path bails instead.
 */
import { bail, isFunction } from './values.js';

interface Param {
  regex: string;
  type: string;
  subtype?: string;
  context?: boolean;
  contextRegex?: RegExp;
}

export interface Signature {
  validate(args: unknown[], context: unknown): unknown[];
}

function closing(sig: string, start: number, open: string, close: string): number {
  let depth = 1;
  let pos = start;
  while (pos < sig.length) {
    pos++;
    const c = sig.charAt(pos);
    if (c === close) {
      depth--;
      if (depth === 0) break;
    } else if (c === open) depth++;
  }
  return pos;
}

export function symbolOf(value: unknown): string {
  if (isFunction(value)) return 'f';
  switch (typeof value) {
    case 'string': return 's';
    case 'number': return 'n';
    case 'boolean': return 'b';
    case 'object': return value === null ? 'l' : Array.isArray(value) ? 'a' : 'o';
    default: return 'm';
  }
}

export function parseSignature(signature: string): Signature {
  const params: Param[] = [];
  let param = {} as Param;
  let prev = param;
  const next = () => {
    params.push(param);
    prev = param;
    param = {} as Param;
  };
  for (let pos = 1; pos < signature.length; pos++) {
    const symbol = signature.charAt(pos);
    if (symbol === ':') break;
    switch (symbol) {
      case 's': case 'n': case 'b': case 'l': case 'o':
        param.regex = `[${symbol}m]`;
        param.type = symbol;
        next();
        break;
      case 'a':
        param.regex = '[asnblfom]';
        param.type = symbol;
        next();
        break;
      case 'f':
        param.regex = 'f';
        param.type = symbol;
        next();
        break;
      case 'j':
        param.regex = '[asnblom]';
        param.type = symbol;
        next();
        break;
      case 'x':
        param.regex = '[asnblfom]';
        param.type = symbol;
        next();
        break;
      case '-':
        prev.context = true;
        prev.contextRegex = new RegExp(prev.regex);
        prev.regex += '?';
        break;
      case '?': case '+':
        prev.regex += symbol;
        break;
      case '(': {
        const end = closing(signature, pos, '(', ')');
        const choice = signature.substring(pos + 1, end);
        param.regex = `[${choice}m]`;
        param.type = `(${choice})`;
        pos = end;
        next();
        break;
      }
      case '<': {
        const end = closing(signature, pos, '<', '>');
        prev.subtype = signature.substring(pos + 1, end);
        pos = end;
        break;
      }
    }
  }
  const regex = new RegExp(`^${params.map((p) => `(${p.regex})`).join('')}$`);

  /** How to build the validated arguments for one pattern of argument types; null when JSONata rejects it. */
  const buildPlan = (supplied: string): Action[] | null => {
    const matched = regex.exec(supplied);
    if (!matched) return null;
    const actions: Action[] = [];
    let argIndex = 0;
    for (let index = 0; index < params.length; index++) {
      const p = params[index];
      const match = matched[index + 1];
      if (match === '') {
        if (p.context && p.contextRegex) actions.push({ context: p.contextRegex });
        else actions.push({ arg: argIndex++ });
        continue;
      }
      for (const single of match.split('')) {
        if (p.type !== 'a') {
          actions.push({ arg: argIndex++ });
          continue;
        }
        if (single === 'm') {
          actions.push({ missing: true });
          argIndex++;
          continue;
        }
        if (p.subtype !== undefined && single !== 'a' && match !== p.subtype) return null;
        actions.push({ arg: argIndex++, wrap: single !== 'a', items: single === 'a' ? p.subtype : undefined });
      }
    }
    return actions;
  };
  const plans = new Map<string, Plan | null>();
  const planFor = (supplied: string): Plan | null => {
    const actions = buildPlan(supplied);
    return actions && { actions, identity: actions.every((a, i) => a.arg === i && !a.wrap && a.items === undefined) };
  };

  return {
    validate(args, context) {
      let supplied = args.length === 1 ? symbolOf(args[0]) : '';
      if (args.length !== 1) for (const a of args) supplied += symbolOf(a);
      let plan = plans.get(supplied);
      if (plan === undefined) plans.set(supplied, (plan = planFor(supplied)));
      if (plan === null) bail('T0410 argument types do not match the signature');
      // The usual case: every argument goes through unchanged, in place.
      if (plan.identity) return args;
      const { actions } = plan;
      const out = new Array<unknown>(actions.length);
      for (let i = 0; i < actions.length; i++) {
        const a = actions[i];
        if (a.context) {
          if (!a.context.test(symbolOf(context))) bail('T0411 context value has the wrong type');
          out[i] = context;
        } else if (a.missing) {
          out[i] = undefined;
        } else {
          const arg = args[a.arg!];
          if (a.items !== undefined) checkItems(arg as unknown[], a.items);
          out[i] = a.wrap ? [arg] : arg;
        }
      }
      return out;
    },
  };
}

interface Plan {
  actions: Action[];
  /** Each argument passes as it is, in its own position. */
  identity: boolean;
}

interface Action {
  /** Substitute the context value, which must have one of these types. */
  context?: RegExp;
  /** An `a` parameter given undefined. */
  missing?: boolean;
  arg?: number;
  /** Wrap a single value into an array (`a` parameters). */
  wrap?: boolean;
  /** Element type every item of an array argument must share (`a<s>`). */
  items?: string;
}

function checkItems(items: unknown[], subtype: string): void {
  if (items.length === 0) return;
  const itemType = symbolOf(items[0]);
  if (itemType !== subtype.charAt(0)) bail('T0412 array items have the wrong type');
  for (const v of items) if (symbolOf(v) !== itemType) bail('T0412 array items have the wrong type');
}

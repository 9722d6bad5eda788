/**
 * The names a JSONata expression reads, from JSONata's own AST, for the validator: which
 * `$variables` it uses without binding them, and which names start the paths it evaluates
 * against its input. Scoping is deliberately coarse — a name bound anywhere in the
 * expression (`:=`, a lambda parameter, `#$i`, `@$o`) counts as bound everywhere — so the
 * checks built on this can miss a mistake but never report a correct expression.
 */
import jsonata from 'jsonata';

/**
 * JSONata's built-in functions (jsonata 2.x, https://docs.jsonata.org/): the ones its static
 * frame binds plus `$now` and `$millis`, bound per evaluation, and Patchbay's own (`$money`,
 * `$moneyFromMinor`: engine/lang/money.ts). test/manifest keeps this list in step with the
 * installed jsonata.
 */
export const JSONATA_FUNCTIONS: readonly string[] = [
  // string
  'string', 'length', 'substring', 'substringBefore', 'substringAfter', 'uppercase', 'lowercase', 'trim', 'pad',
  'contains', 'split', 'join', 'match', 'replace', 'eval', 'base64encode', 'base64decode',
  'encodeUrlComponent', 'encodeUrl', 'decodeUrlComponent', 'decodeUrl',
  // numeric
  'number', 'abs', 'floor', 'ceil', 'round', 'power', 'sqrt', 'random', 'formatNumber', 'formatBase', 'formatInteger', 'parseInteger',
  // aggregation
  'sum', 'max', 'min', 'average', 'count',
  // boolean
  'boolean', 'not', 'exists',
  // array
  'append', 'sort', 'reverse', 'shuffle', 'distinct', 'zip',
  // object
  'keys', 'lookup', 'spread', 'merge', 'sift', 'each', 'error', 'assert', 'type', 'clone',
  // date/time
  'now', 'millis', 'fromMillis', 'toMillis',
  // higher-order
  'map', 'filter', 'single', 'reduce',
];

/** Functions Patchbay registers on every expression (engine/lang/money.ts), and all a manifest may call. */
export const PATCHBAY_FUNCTION_NAMES: readonly string[] = ['money', 'moneyFromMinor'];
export const EXPR_FUNCTIONS: readonly string[] = [...JSONATA_FUNCTIONS, ...PATCHBAY_FUNCTION_NAMES];

export interface NameUse {
  name: string;
  /** Offset of the name's first character (the `$` for a variable), when it can be placed. */
  offset?: number;
}

export interface ExprNames {
  /** `$name` references the expression does not bind itself; `call` when invoked as a function. */
  variables: Array<NameUse & { call: boolean }>;
  /** First steps of the paths evaluated against the input itself (not inside a step, predicate or lambda). */
  heads: NameUse[];
}

interface Node {
  type?: string;
  value?: unknown;
  position?: number;
  [k: string]: unknown;
}

const isNode = (v: unknown): v is Node => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof RegExp);

/** JSONata's `position` is just past the token; a name may have been written in backticks. */
function startOf(source: string, n: Node, text: string): number | undefined {
  if (typeof n.position !== 'number') return undefined;
  const plain = n.position - text.length;
  if (source.slice(plain, n.position) === text) return plain;
  const quoted = plain - 2;
  if (source.slice(quoted, n.position) === `\`${text}\``) return quoted;
  return undefined;
}

/** Undefined when the expression does not parse (jsonata-syntax reports that). */
export function exprNames(source: string): ExprNames | undefined {
  let ast: unknown;
  try {
    ast = jsonata(source).ast();
  } catch {
    return undefined;
  }
  const bound = new Set<string>();
  const refs: Array<NameUse & { call: boolean }> = [];
  const seen = new WeakSet<object>();

  const walk = (v: unknown, call = false): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (!isNode(v) || seen.has(v)) return;
    seen.add(v);
    if (v.type === 'variable' && typeof v.value === 'string') {
      // `$` and `$$` are the context and the input, always there.
      if (v.value !== '' && v.value !== '$') {
        const start = startOf(source, v, `$${v.value}`);
        refs.push({ name: v.value, call, ...(start !== undefined ? { offset: start } : {}) });
      }
    }
    if (v.type === 'bind' && isNode(v.lhs) && typeof v.lhs.value === 'string') bound.add(v.lhs.value);
    if (v.type === 'lambda' && Array.isArray(v.arguments)) for (const a of v.arguments) if (isNode(a) && typeof a.value === 'string') bound.add(a.value);
    if (typeof v.index === 'string') bound.add(v.index);
    if (typeof v.focus === 'string') bound.add(v.focus);
    for (const [k, x] of Object.entries(v)) {
      if (x === null || typeof x !== 'object') continue;
      const invoked = (k === 'procedure' && (v.type === 'function' || v.type === 'partial')) || (k === 'rhs' && v.type === 'apply');
      walk(x, invoked);
    }
  };
  walk(ast);

  const heads: NameUse[] = [];
  const head = (n: Node): void => {
    if (typeof n.value !== 'string') return;
    const start = startOf(source, n, n.value);
    heads.push({ name: n.value, ...(start !== undefined ? { offset: start } : {}) });
  };
  // Only the places JSONata evaluates with the input as context; anything else is skipped.
  const root = (v: unknown): void => {
    if (!isNode(v)) return;
    const each = (xs: unknown) => { if (Array.isArray(xs)) for (const x of xs) root(x); };
    switch (v.type) {
      case 'name': head(v); break;
      case 'path': {
        const steps = Array.isArray(v.steps) ? v.steps.filter(isNode) : [];
        const [first, second] = steps;
        if (!first) break;
        if (first.type === 'name') head(first);
        else if (first.type === 'variable' && (first.value === '' || first.value === '$')) { if (second?.type === 'name') head(second); }
        else root(first);
        break;
      }
      case 'binary': root(v.lhs); root(v.rhs); break;
      case 'condition': root(v.condition); root(v.then); root(v.else); break;
      case 'block': each(v.expressions); break;
      case 'function': case 'partial': each(v.arguments); break;
      case 'bind': root(v.rhs); break;
      case 'apply': root(v.lhs); if (isNode(v.rhs) && v.rhs.type === 'function') each(v.rhs.arguments); break;
      case 'unary':
        if (v.value === '-') root(v.expression);
        else if (v.value === '[') each(v.expressions);
        else if (v.value === '{' && Array.isArray(v.lhs)) for (const pair of v.lhs) each(pair);
        break;
      default: break;
    }
  };
  root(ast);

  return { variables: refs.filter((r) => !bound.has(r.name)), heads };
}

/**
 * Expressions, like templates, run with a fixed set of names (fields.ts `EXPR_SCOPES`, read
 * from where the engine evaluates each one). JSONata does not fail on a name it cannot
 * find: an unbound `$variable` or a misspelt root is `undefined` and the record just lacks
 * the field; only a call to an unknown function fails, and then only at run time. So all
 * three are errors here. Where the input is data (a response body, a record) bare names
 * are the provider's fields and are left alone.
 */
import { exprNames, EXPR_FUNCTIONS as JSONATA_FUNCTIONS, type ExprNames, type NameUse } from '../../lang/expr-names.js';
import type { Field } from '../fields.js';
import { didYouMean } from '../suggest.js';
import { innerPosition } from './inner.js';
import type { Check, CheckContext, Report } from './types.js';

const BUILTINS = new Set(JSONATA_FUNCTIONS);
const DOCS = 'JSONata\'s functions: https://docs.jsonata.org/string-functions (and the pages after it)';
/** What no expression over data can see: only templates read them. */
const TEMPLATE_ONLY = new Set(['credentials', 'secrets']);

const LIMIT = 20_000;
const cache = new Map<string, ExprNames | undefined>();

function namesOf(source: string): ExprNames | undefined {
  if (cache.has(source)) return cache.get(source);
  if (cache.size >= LIMIT) cache.clear();
  const names = exprNames(source);
  cache.set(source, names);
  return names;
}

const list = (names: readonly string[], prefix = '') => names.map((n) => `\`${prefix}${n}\``).join(', ');

function place(ctx: CheckContext, f: Field, use: NameUse): Pick<Report, 'at'> {
  return use.offset === undefined ? {} : { at: innerPosition(ctx.positions, f.path, f.source, use.offset) };
}

function variables(ctx: CheckContext, f: Field, names: ExprNames): void {
  const bindings = f.bindings ?? [];
  for (const v of names.variables) {
    if (BUILTINS.has(v.name) || bindings.includes(v.name)) continue;
    if (v.call) {
      ctx.report({
        path: f.path,
        code: 'unknown-function',
        message: `unknown function \`$${v.name}\``,
        hint: didYouMean(`$${v.name}`, JSONATA_FUNCTIONS.map((n) => `$${n}`)) ?? DOCS,
        ...place(ctx, f, v),
      });
      continue;
    }
    // Where the bindings are not known, a variable might be one of them.
    if (!f.bindings) continue;
    const shown = bindings.filter((b) => b !== 'r');
    const near = didYouMean(`$${v.name}`, [...shown, ...JSONATA_FUNCTIONS].map((n) => `$${n}`));
    ctx.report({
      path: f.path,
      code: 'expression-variable',
      message: `\`$${v.name}\` is not bound in this expression, so it is always empty`,
      hint: [shown.length ? `bound here: ${list(shown, '$')}` : 'nothing is bound here besides `$` (the input)', near].filter(Boolean).join('; '),
      ...place(ctx, f, v),
    });
  }
}

function heads(ctx: CheckContext, f: Field, names: ExprNames): void {
  const roots = f.inputRoots;
  for (const h of names.heads) {
    if (roots) {
      if (roots.includes(h.name)) continue;
      const near = didYouMean(h.name, roots);
      ctx.report({
        path: f.path,
        code: 'expression-root',
        message: `\`${h.name}\` is not part of this expression's input, so it is always empty`,
        hint: `the input has ${list(roots)}${near ? `; ${near}` : ''}`,
        ...place(ctx, f, h),
      });
    } else if (f.bindings && TEMPLATE_ONLY.has(h.name)) {
      ctx.report({
        path: f.path,
        code: 'expression-credentials',
        severity: 'warning',
        message: `\`${h.name}\` here is a field of the data the expression reads, not the connection's ${h.name}`,
        hint: `expressions never see ${h.name}; only request templates do (\`{{${h.name}.…}}\`)`,
        ...place(ctx, f, h),
      });
    }
  }
}

export const expressionNames: Check = {
  name: 'expression-names',
  run(ctx) {
    for (const f of ctx.fields) {
      if (f.kind !== 'jsonata') continue;
      const names = namesOf(f.source);
      if (!names) continue;
      variables(ctx, f, names);
      heads(ctx, f, names);
    }
  },
};

/**
 * Regexes that could block the engine, and expressions that could run unchecked text.
 * Every regex a manifest holds runs on text others control — JSONata regex literals on
 * provider data, JSON Schema `pattern`s on tenant input, signature patterns on a sender's
 * headers — and V8 matches synchronously, beyond the reach of any time limit. So each is
 * refused unless it is shown linear (engine/lang/regex/safety.ts says how). `$eval` is refused
 * with it (`forbidden-function`): it would turn a string built at run time into an
 * expression no check has seen. The compiler refuses the same things for manifests loaded
 * without validation; here they are placed on their line.
 */
import type { Path } from '../diagnostics.js';
import { isPlainObject } from '../../core/objects.js';
import { authMethods, declaredValues } from '../fields.js';
import { describeRegex, unsafeRegex, type RegexRefusal } from '../../lang/regex/safety.js';
import { innerPosition } from './inner.js';
import { exprError, exprHazardsOf } from './syntax-cache.js';
import type { CheckContext, Check } from './types.js';

/** Keywords whose values are instance data, not schemas: a `pattern` inside them is just a string. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples']);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

function refuse(ctx: CheckContext, path: Path, source: string, flags: string, r: RegexRefusal, where: string, which: 'key' | 'value' = 'value'): void {
  ctx.report({
    path,
    which,
    code: 'unsafe-regex',
    message: `${where} ${describeRegex(source, flags)} ${r.message}; a match cannot be interrupted, so it could block the engine`,
    ...(r.hint ? { hint: r.hint } : {}),
  });
}

/** JSON Schema `pattern` and `patternProperties` run with Ajv's `u` flag. */
function schemaPatterns(ctx: CheckContext, base: Path, schema: unknown): void {
  if (Array.isArray(schema)) {
    schema.forEach((s, i) => schemaPatterns(ctx, [...base, i], s));
    return;
  }
  if (!isPlainObject(schema)) return;
  for (const [k, v] of Object.entries(schema)) {
    if (DATA_KEYWORDS.has(k)) continue;
    if (k === 'pattern' && typeof v === 'string') {
      const r = unsafeRegex(v, 'u');
      if (r) refuse(ctx, [...base, k], v, 'u', r, 'pattern');
      continue;
    }
    if (k === 'patternProperties' && isPlainObject(v)) {
      for (const key of Object.keys(v)) {
        const r = unsafeRegex(key, 'u');
        if (r) refuse(ctx, [...base, k, key], key, 'u', r, 'patternProperties key', 'key');
      }
    }
    // Under these the keys are names (a property may be called `default`), the values schemas.
    if (SCHEMA_MAPS.has(k) && isPlainObject(v)) for (const [name, sub] of Object.entries(v)) schemaPatterns(ctx, [...base, k, name], sub);
    else if (v !== null && typeof v === 'object') schemaPatterns(ctx, [...base, k], v);
  }
}

export const unsafeRegexCheck: Check = {
  name: 'unsafe-regex',
  run(ctx) {
    for (const f of ctx.fields) {
      if (f.kind !== 'jsonata' || exprError(f.source)) continue;
      for (const h of exprHazardsOf(f.source)) {
        ctx.report({
          path: f.path,
          code: h.code,
          message: `JSONata: ${h.message}`,
          ...(h.hint ? { hint: h.hint } : {}),
          ...(h.offset !== undefined ? { at: innerPosition(ctx.positions, f.path, f.source, h.offset) } : {}),
        });
      }
    }
    const m = ctx.manifest;
    for (const k of ['config', 'credentials', 'settings', 'secrets'] as const) schemaPatterns(ctx, [k], m[k]);
    for (const { path, method } of authMethods(m.auth)) schemaPatterns(ctx, [...path, 'credentials'], method.credentials);
    if (isPlainObject(m.actions)) {
      for (const [name, a] of Object.entries(m.actions)) if (isPlainObject(a)) schemaPatterns(ctx, ['actions', name, 'input'], a.input);
    }
    for (const p of declaredValues(m)) {
      if (p.kind !== 'pattern') continue;
      const r = unsafeRegex(p.value);
      if (r) refuse(ctx, p.path, p.value, '', r, `${String(p.path[p.path.length - 2])} pattern`);
    }
  },
};

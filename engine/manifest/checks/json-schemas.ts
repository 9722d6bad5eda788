/** Schemas written in the manifest are compiled at load; a broken one is caught here, placed. */
import { dotted, show, type Path } from '../diagnostics.js';
import { isPlainObject } from '../../core/objects.js';
import { authMethods } from '../fields.js';
import { userSchemaProblems } from '../schema.js';
import { didYouMean } from '../suggest.js';
import type { Check } from './types.js';

function valueAt(root: unknown, path: string[]): unknown {
  let cur = root;
  for (const seg of path) cur = isPlainObject(cur) || Array.isArray(cur) ? (cur as Record<string, unknown>)[seg] : undefined;
  return cur;
}

export const jsonSchemas: Check = {
  name: 'invalid-json-schema',
  run(ctx) {
    const m = ctx.manifest;
    const check = (base: Path, schema: unknown) => {
      if (!isPlainObject(schema)) return; // the manifest schema reports non-objects
      for (const p of userSchemaProblems(schema)) {
        const path = [...base, ...p.path];
        const value = valueAt(schema, p.path);
        const near = p.hint && typeof value === 'string' ? didYouMean(value, p.hint.split(',')) : undefined;
        ctx.report({
          path,
          code: 'invalid-json-schema',
          message: `not valid JSON Schema: \`${dotted(path)}\` ${p.message}${value !== undefined && typeof value !== 'object' ? `; got ${show(value)}` : ''}`,
          ...(near ? { hint: near } : {}),
        });
      }
    };
    for (const k of ['config', 'credentials', 'settings'] as const) check([k], m[k]);
    for (const { path, method } of authMethods(m.auth)) check([...path, 'credentials'], method.credentials);
    if (isPlainObject(m.actions)) {
      for (const [name, a] of Object.entries(m.actions)) if (isPlainObject(a)) check(['actions', name, 'input'], a.input);
    }
  },
};

/** JSON Schemas declared in a manifest, merged where the language says so and compiled. */
import type { ValidateFunction } from 'ajv';
import { ConnectorError } from '../core/errors.js';
import type { Path } from '../manifest/diagnostics.js';
import type { CompileContext } from './compile-context.js';
import { deepMerge } from '../manifest/extends.js';
import { isPlainObject } from '../core/objects.js';
import { compileUserSchema } from '../manifest/schema.js';

/** Method credentials extend the top-level ones: properties merge, `required` lists add up. */
export function mergeObjectSchemas(base: unknown, extra: unknown): object | undefined {
  if (!isPlainObject(base)) return isPlainObject(extra) ? extra : undefined;
  if (!isPlainObject(extra)) return base;
  const merged = deepMerge(base, extra) as Record<string, unknown>;
  const required = [...(Array.isArray(base.required) ? base.required : []), ...(Array.isArray(extra.required) ? extra.required : [])];
  if (required.length) merged.required = [...new Set(required)];
  return merged;
}

export function compileSchema(ctx: CompileContext, schema: unknown, path: Path): ValidateFunction | undefined {
  if (!isPlainObject(schema)) return undefined;
  try {
    return compileUserSchema(schema);
  } catch (err) {
    const location = ctx.loc(path);
    throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `JSON Schema at ${location.path} does not compile: ${String((err as Error)?.message ?? err).split('\n')[0]}`, location, cause: err });
  }
}

/**
 * Auth blocks → PlanAuth. Strategies read `spec` by manifest names; the compiler fills in
 * the defaults the kind declares and compiles every template and expression it declares, so
 * no strategy parses a string at request time.
 */
import { flattenCompiled, literalDefaults, resolveFields, type FieldSpecs } from '../components/kit.js';
import { authKinds } from '../components/auth/registry.js';
import type { Path } from '../manifest/diagnostics.js';
import { CompileContext } from './compile-context.js';
import { compileSchema, mergeObjectSchemas } from './compile-schemas.js';
import { isPlainObject } from '../core/objects.js';
import { authMethods } from '../manifest/fields.js';
import type { PlanAuth, PlanAuthMethod } from './plan.js';

function compileMethod(ctx: CompileContext, name: string, method: Record<string, unknown>, path: Path, topCredentials: unknown): PlanAuthMethod {
  const type = String(method.type);
  // The family's shared fields too: `query` is a template of every kind.
  const kind = authKinds.get(type);
  const fields: FieldSpecs = kind ? authKinds.fieldsOf(kind) : {};
  const spec: Record<string, unknown> = { ...literalDefaults(fields), ...method };
  for (const [k, f] of Object.entries(fields)) if (f.kind === 'literal' && f.normalize && spec[k] !== undefined) spec[k] = f.normalize(spec[k]);
  const { templates, exprs } = flattenCompiled(fields, resolveFields(ctx, fields, method, path));

  const credentialsSchema = mergeObjectSchemas(topCredentials, method.credentials);
  const validateCredentials = credentialsSchema ? compileSchema(ctx, credentialsSchema, method.credentials !== undefined ? [...path, 'credentials'] : ['credentials']) : undefined;
  return {
    name,
    type,
    ...(typeof method.label === 'string' ? { label: method.label } : {}),
    spec,
    templates,
    exprs,
    ...(credentialsSchema ? { credentialsSchema } : {}),
    ...(validateCredentials ? { validateCredentials } : {}),
  };
}

export function compileAuth(ctx: CompileContext, manifest: Record<string, unknown>): PlanAuth {
  const auth = isPlainObject(manifest.auth) ? manifest.auth : {};
  const methods: Record<string, PlanAuthMethod> = Object.create(null);
  for (const { name, path, method } of authMethods(auth)) methods[name] = compileMethod(ctx, name, method, path, manifest.credentials);
  const names = Object.keys(methods);
  const defaultMethod = typeof auth.default === 'string' ? auth.default : names[0] ?? 'default';
  return { methods, defaultMethod };
}

/**
 * One auth block compiled outside a manifest, for plans built by hand (tests, hosts that
 * assemble plans): the same defaults and compiled fields as from connector.yaml.
 */
export function compileAuthBlock(block: Record<string, unknown>, name = 'default', file = '<auth block>'): PlanAuthMethod {
  const ctx = new CompileContext(file, { locate: () => ({ line: 1, column: 1 }) });
  return compileMethod(ctx, name, block, ['auth'], undefined);
}

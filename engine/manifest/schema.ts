/**
 * The two Ajv instances the manifest layer needs: one holding the manifest language schema
 * (compiled once per process, it is the expensive part of validation), one for the JSON
 * Schemas that manifests themselves declare (config, credentials, inputs).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { packageRoot } from './package-root.js';

type FormatsPlugin = (ajv: Ajv2020) => Ajv2020;
// ajv-formats is CommonJS: depending on the loader the plugin is the module or its default.
const addFormats: FormatsPlugin = ((formatsModule as unknown as { default?: FormatsPlugin }).default ?? formatsModule) as unknown as FormatsPlugin;

let manifestSchema: Record<string, unknown> | undefined;
let manifestValidator: ValidateFunction | undefined;
let userAjv: Ajv2020 | undefined;

export function getManifestSchema(): Record<string, unknown> {
  manifestSchema ??= JSON.parse(readFileSync(join(packageRoot(), 'schemas', 'connector.schema.json'), 'utf8')) as Record<string, unknown>;
  return manifestSchema;
}

export function getManifestValidator(): ValidateFunction {
  if (!manifestValidator) {
    // verbose: errors carry their parentSchema, which gives the allowed keys for "did you mean".
    const ajv = new Ajv2020({ allErrors: true, strict: false, verbose: true });
    addFormats(ajv);
    manifestValidator = ajv.compile(getManifestSchema());
  }
  return manifestValidator;
}

/** For schemas written in manifests; defaults fill in omitted optional input fields. */
export function getUserAjv(): Ajv2020 {
  if (!userAjv) {
    userAjv = new Ajv2020({ allErrors: true, strict: false, useDefaults: true });
    addFormats(userAjv);
  }
  return userAjv;
}

export interface SchemaProblem {
  /** Path inside the user schema. */
  path: string[];
  message: string;
  hint?: string;
}

const NOISE = new Set(['anyOf', 'oneOf', 'allOf', 'if', 'then', 'else', '$ref', '$dynamicRef']);

/**
 * Meta-schema errors for a user schema, one per place: an `enum` error (the allowed type
 * names) beats the other branch errors of the same `anyOf`. Empty when the schema is valid.
 */
export function userSchemaProblems(schema: unknown): SchemaProblem[] {
  const ajv = getUserAjv();
  try {
    if (ajv.validateSchema(schema as object)) return [];
  } catch (err) {
    return [{ path: [], message: String((err as Error)?.message ?? err).split('\n')[0] }];
  }
  const errors = (ajv.errors ?? []).filter((e) => !NOISE.has(e.keyword));
  const byPath = new Map<string, typeof errors>();
  for (const e of errors) byPath.set(e.instancePath, [...(byPath.get(e.instancePath) ?? []), e]);
  const out: SchemaProblem[] = [];
  for (const [instancePath, list] of byPath) {
    const e = list.find((x) => x.keyword === 'enum') ?? list[0];
    const path = instancePath ? instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')) : [];
    const allowed = e.keyword === 'enum' ? ((e.params as { allowedValues?: unknown[] }).allowedValues ?? []).map(String) : undefined;
    out.push({
      path,
      message: allowed ? `must be one of: ${allowed.join(', ')}` : (e.message ?? 'is invalid'),
      ...(allowed ? { hint: allowed.join(',') } : {}),
    });
  }
  return out.slice(0, 5);
}

/** Compiles a user schema; a `$id` seen before (another manifest, a reload) is replaced. */
export function compileUserSchema(schema: object): ValidateFunction {
  const ajv = getUserAjv();
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id === 'string' && ajv.getSchema(id)) ajv.removeSchema(id);
  return ajv.compile(schema);
}

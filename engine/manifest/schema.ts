/**
 * The validators the manifest layer needs: one for the manifest language schema (the
 * expensive one to compile, hence generated at build time when possible), one checking the
 * JSON Schemas that manifests themselves declare (config, credentials, inputs) against the
 * meta-schema, and the Ajv instance that compiles those schemas for runtime use.
 */
import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';
import { componentsVersion } from '../components/kit.js';
import { DEFAULT_META_SCHEMA, MANIFEST_AJV_OPTIONS, newAjv, USER_AJV_OPTIONS } from './ajv-runtime.js';
import { DEFAULT_GENERATED_DIR, expectedStamp, loadGenerated } from './generated-validators.js';
import { generateManifestSchema, manifestSchemaJson } from './schema-gen.js';
import { unsafeRegex } from '../lang/regex/safety.js';

export type ValidatorOrigin = 'generated' | 'compiled';

/** The schema for the components registered when it was generated (see schema-gen.ts). */
let current: { version: number; schema: Record<string, unknown>; text: string } | undefined;
let manifestValidator: { validate: ValidateFunction; origin: ValidatorOrigin } | undefined;
/** null: looked for a generated meta-schema validator and found none. */
let metaValidator: ValidateFunction | null | undefined;
let userAjv: Ajv2020 | undefined;
let generatedDir: string | null = DEFAULT_GENERATED_DIR;

/**
 * A registration (a host's own paginator or auth kind) changes the schema; the validator
 * built for the old one, generated or compiled, is dropped with it.
 */
function schemaNow(): NonNullable<typeof current> {
  if (!current || current.version !== componentsVersion()) {
    const schema = generateManifestSchema();
    current = { version: componentsVersion(), schema, text: manifestSchemaJson(schema) };
    manifestValidator = undefined;
  }
  return current;
}

/** The manifest schema's text, as `npm run schema` writes it when only built-in kinds are registered. */
export function manifestSchemaText(): string {
  return schemaNow().text;
}

export function getManifestSchema(): Record<string, unknown> {
  return schemaNow().schema;
}

/**
 * Where to look for build-time validators; null compiles at runtime. A generated validator
 * is stamped with the schema text it was built from, so once a host registers a kind the
 * stamp no longer matches and the schema is compiled at runtime instead. For tests, which run
 * the TypeScript sources (no generated modules beside them) and must cover both paths.
 */
export function useGeneratedValidators(dir: string | null): void {
  generatedDir = dir;
  manifestValidator = undefined;
  metaValidator = undefined;
}

export function getManifestValidator(): ValidateFunction {
  schemaNow();
  if (!manifestValidator) {
    const generated = generatedDir === null ? undefined : loadGenerated(generatedDir, 'manifest', expectedStamp('manifest', manifestSchemaText()));
    manifestValidator = generated
      ? { validate: generated, origin: 'generated' }
      : { validate: newAjv(MANIFEST_AJV_OPTIONS).compile(getManifestSchema()), origin: 'compiled' };
  }
  return manifestValidator.validate;
}

/** Which path validates manifests in this process (loads the validator if needed). */
export function manifestValidatorOrigin(): ValidatorOrigin {
  getManifestValidator();
  return manifestValidator!.origin;
}

/** For schemas written in manifests; defaults fill in omitted optional input fields. */
export function getUserAjv(): Ajv2020 {
  userAjv ??= newAjv(USER_AJV_OPTIONS, { code: { regExp: safeRegExp } });
  return userAjv;
}

/**
 * Ajv's regex factory for `pattern` and `patternProperties`: these run on tenant input
 * (config, action input), so a pattern with catastrophic backtracking does not compile.
 * The validator reports the same refusal, placed; this holds it for unvalidated manifests.
 */
const safeRegExp = Object.assign(
  (pattern: string, flags: string): RegExp => {
    const refusal = unsafeRegex(pattern, flags);
    if (refusal) throw new Error(`pattern ${JSON.stringify(pattern)} refused: it ${refusal.message}`);
    return new RegExp(pattern, flags);
  },
  { code: 'new RegExp' },
);

/**
 * The generated meta-schema validator, for schemas that Ajv would check against its default
 * meta-schema anyway; any other `$schema` goes through Ajv itself, as it always did.
 */
function generatedMetaFor(schema: object): ValidateFunction | undefined {
  const declared = (schema as { $schema?: unknown }).$schema;
  if (declared !== undefined && declared !== DEFAULT_META_SCHEMA) return undefined;
  if (metaValidator === undefined) metaValidator = (generatedDir !== null && loadGenerated(generatedDir, 'meta', expectedStamp('meta'))) || null;
  return metaValidator ?? undefined;
}

export interface SchemaProblem {
  /** Path inside the user schema. */
  path: string[];
  message: string;
  hint?: string;
}

const NOISE = new Set(['anyOf', 'oneOf', 'allOf', 'if', 'then', 'else', '$ref', '$dynamicRef']);

function metaErrors(schema: object): NonNullable<ValidateFunction['errors']> | { thrown: string } {
  try {
    const meta = generatedMetaFor(schema);
    if (meta) return meta(schema) ? [] : (meta.errors ?? []);
    const ajv = getUserAjv();
    return ajv.validateSchema(schema) ? [] : (ajv.errors ?? []);
  } catch (err) {
    return { thrown: String((err as Error)?.message ?? err).split('\n')[0] };
  }
}

/**
 * Meta-schema errors for a user schema, one per place: an `enum` error (the allowed type
 * names) beats the other branch errors of the same `anyOf`. Empty when the schema is valid.
 */
export function userSchemaProblems(schema: unknown): SchemaProblem[] {
  const found = metaErrors(schema as object);
  if (!Array.isArray(found)) return [{ path: [], message: found.thrown }];
  const errors = found.filter((e) => !NOISE.has(e.keyword));
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

const COMPILED_LIMIT = 2_000;
const compiledByText = new Map<string, ValidateFunction>();
/** Schemas that name themselves or point elsewhere depend on what else is registered. */
const LINKS = /"\$(?:id|ref|dynamicRef|recursiveRef|anchor|dynamicAnchor|recursiveAnchor|schema)"/;

/** The schema's JSON text when it can key a shared compilation: self-contained, and nothing JSON would lose. */
function cacheKey(schema: object): string | undefined {
  let lossless = true;
  const text = JSON.stringify(schema, (_k, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) lossless = false;
    return v;
  });
  return lossless && !LINKS.test(text) ? text : undefined;
}

/**
 * Compiles a user schema; a `$id` seen before (another manifest, a reload) is replaced.
 * Compiling is the dearest step of building a plan and the same input and config schemas
 * recur (operations alike, the same connector loaded again), so a self-contained schema is
 * compiled once per distinct text. A validator holds no state between calls but `errors`,
 * which each call replaces.
 */
export function compileUserSchema(schema: object): ValidateFunction {
  const key = cacheKey(schema);
  const hit = key === undefined ? undefined : compiledByText.get(key);
  if (hit) return hit;
  const ajv = getUserAjv();
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id === 'string' && ajv.getSchema(id)) ajv.removeSchema(id);
  const validate = ajv.compile(schema);
  if (key !== undefined) {
    if (compiledByText.size >= COMPILED_LIMIT) compiledByText.clear();
    compiledByText.set(key, validate);
  }
  return validate;
}

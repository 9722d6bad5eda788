/**
 * Validators generated at build time with Ajv's standalone code (scripts/build-validators.js
 * writes them next to the compiled engine in dist/). Compiling the manifest language schema
 * costs ~300 ms per process; loading the generated module ~10 ms. A generated validator is
 * used only when its stamp matches what runtime compilation would produce (same schema
 * text, Ajv version and options): a stale dist/ falls back to compiling, never to answering
 * for an older language.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { ajvVersion, MANIFEST_AJV_OPTIONS, USER_AJV_OPTIONS } from './ajv-runtime.js';

const require = createRequire(import.meta.url);

export const GENERATED_FILES = { manifest: 'manifest-validator.cjs', meta: 'meta-validator.cjs' } as const;
export type GeneratedKind = keyof typeof GENERATED_FILES;

/** Next to this module: dist/engine/manifest/generated/ in a build; absent when running sources. */
export const DEFAULT_GENERATED_DIR = fileURLToPath(new URL('./generated/', import.meta.url));

export interface Stamp {
  ajv: string;
  options: string;
  /** sha256 of the schema text the validator was generated from (the manifest schema only). */
  schema?: string;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** What a validator generated now would be stamped with. */
export function expectedStamp(kind: GeneratedKind, schemaText?: string): Stamp {
  const options = JSON.stringify(kind === 'manifest' ? MANIFEST_AJV_OPTIONS : USER_AJV_OPTIONS);
  return { ajv: ajvVersion(), options, ...(kind === 'manifest' && schemaText !== undefined ? { schema: sha256(schemaText) } : {}) };
}

function sameStamp(a: Partial<Stamp> | undefined, b: Stamp): boolean {
  return !!a && a.ajv === b.ajv && a.options === b.options && a.schema === b.schema;
}

/**
 * The generated validator of `kind` in `dir`, or undefined when there is none or it does not
 * match `expected`. Never throws: a broken file means compiling at runtime, as without one.
 */
export function loadGenerated(dir: string, kind: GeneratedKind, expected: Stamp): ValidateFunction | undefined {
  const file = join(dir, GENERATED_FILES[kind]);
  if (!existsSync(file)) return undefined;
  try {
    const mod = require(file) as ValidateFunction & { stamp?: Partial<Stamp> };
    return typeof mod === 'function' && sameStamp(mod.stamp, expected) ? mod : undefined;
  } catch {
    return undefined;
  }
}

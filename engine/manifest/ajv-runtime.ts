/**
 * Ajv itself, loaded on first use instead of at import. Validating manifests normally runs
 * on validators generated at build time (see generated-validators.ts), so a `validate` run
 * never needs Ajv's compiler; loading it eagerly would cost a cold start about 100 ms.
 * Ajv is CommonJS, so a synchronous require keeps the callers synchronous.
 */
import { createRequire } from 'node:module';
import type { Ajv2020, Options } from 'ajv/dist/2020.js';

const require = createRequire(import.meta.url);

/**
 * The manifest language schema. `verbose`: errors carry their parentSchema, which gives the
 * allowed keys for "did you mean". Generation and runtime compilation share these, so the
 * two paths cannot drift apart.
 */
export const MANIFEST_AJV_OPTIONS: Readonly<Options> = Object.freeze({ allErrors: true, strict: false, verbose: true });

/** Schemas written in manifests; defaults fill in omitted optional input fields. */
export const USER_AJV_OPTIONS: Readonly<Options> = Object.freeze({ allErrors: true, strict: false, useDefaults: true });

/** What `validateSchema` checks a user schema against when it names no `$schema`. */
export const DEFAULT_META_SCHEMA = 'https://json-schema.org/draft/2020-12/schema';

type FormatsPlugin = (ajv: Ajv2020) => Ajv2020;

export function newAjv(options: Readonly<Options>, extra: Options = {}): Ajv2020 {
  const { Ajv2020: Ctor } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  // ajv-formats is CommonJS: depending on the loader the plugin is the module or its default.
  const formats = require('ajv-formats') as FormatsPlugin | { default: FormatsPlugin };
  const ajv = new Ctor({ ...options, ...extra });
  (typeof formats === 'function' ? formats : formats.default)(ajv);
  return ajv;
}

export function ajvVersion(): string {
  return (require('ajv/package.json') as { version: string }).version;
}

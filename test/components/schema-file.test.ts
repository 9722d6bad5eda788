/**
 * The checked-in schema is generated from the component registries (npm run schema); it
 * must equal a fresh generation, or editors complete an older language than the validator
 * checks. And the build-time validator stands only for the built-in registry: once a kind
 * is registered, validation compiles the schema that includes it.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderManifestDocs } from '../../cli/docs-gen.js';
import { registerPaginator } from '../../engine/index.js';
import { paginators } from '../../engine/components/pagination/registry.js';
import { authKinds } from '../../engine/components/auth/registry.js';
import { generateValidators } from '../../engine/manifest/generate-validators.js';
import { manifestSchemaJson } from '../../engine/manifest/schema-gen.js';
import { getManifestSchema, manifestSchemaText, manifestValidatorOrigin, useGeneratedValidators } from '../../engine/manifest/schema.js';
import { headerToken } from './kinds/header-token.js';

const cache = resolve('node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const tmp = mkdtempSync(join(cache, 'patchbay-schema-'));
afterAll(() => {
  useGeneratedValidators(null);
  rmSync(tmp, { recursive: true, force: true });
});

describe('schemas/connector.schema.json', () => {
  it('equals the schema generated from the built-in components', () => {
    expect(paginators.kinds().every((k) => paginators.isBuiltin(k.type)) && authKinds.kinds().every((k) => authKinds.isBuiltin(k.type))).toBe(true);
    const committed = readFileSync('schemas/connector.schema.json', 'utf8');
    expect(committed === manifestSchemaJson(), 'schemas/connector.schema.json is stale: run npm run schema').toBe(true);
    expect(manifestSchemaText()).toBe(committed);
  });

  it('has one if/then branch and one section per registered kind, in the enum too', () => {
    const defs = getManifestSchema().$defs as Record<string, { properties: { type: { enum: string[] } }; allOf: unknown[] }>;
    expect(defs.pagination.properties.type.enum).toEqual(paginators.types());
    expect(defs.pagination.allOf).toHaveLength(paginators.types().length);
    expect(defs.auth_method.properties.type.enum).toEqual(authKinds.types());
    for (const t of ['page_none', 'page_param', 'page_cursor', 'page_number', 'auth_none', 'auth_oauth2']) expect(defs[t], t).toBeDefined();
  });
});

describe('docs/connectors.md, Writing a component', () => {
  it('shows the example kind exactly as its tested file has it', () => {
    const file = readFileSync('test/components/kinds/header-token.ts', 'utf8');
    const definition = file.slice(file.indexOf('export interface HeaderTokenPagination'));
    expect(readFileSync('docs/connectors.md', 'utf8')).toContain(definition);
  });
});

describe('a kind registered after the build', () => {
  it('turns the generated validator down and compiles the schema that includes it, docs too', () => {
    const dir = join(tmp, 'generated');
    generateValidators(dir);
    useGeneratedValidators(dir);
    expect(manifestValidatorOrigin()).toBe('generated');

    registerPaginator(headerToken);
    expect(manifestValidatorOrigin()).toBe('compiled');
    expect(manifestSchemaText()).toContain('"page_header_token"');
    const docs = renderManifestDocs(getManifestSchema(), {});
    expect(docs).toContain('| `header_token` | [`page_header_token`](#page_header_token) |');
    expect(docs).toContain('\n## `page_header_token`\n');
  });
});

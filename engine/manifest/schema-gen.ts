/**
 * The manifest JSON Schema, assembled from the base schema (schemas/src/connector.base.json:
 * everything no component owns) and the component families. The base marks where a family's
 * union goes with `{ "$family": "<name>" }`; the union (enum of types, one if/then branch per
 * kind) and one section per kind are generated there, in registration order. So a kind
 * registered by a host validates, completes and is documented like a built-in one.
 * `npm run schema` writes the result to schemas/connector.schema.json for editors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Family, FieldSpec, FieldSpecs, Json, KindSpec } from '../components/kit.js';
import { authKinds } from '../components/auth/registry.js';
import { paginators } from '../components/pagination/registry.js';
import { verifiers } from '../components/verify/registry.js';
import { routeActions } from '../components/actions/registry.js';
import { packageRoot } from '../core/package-root.js';

export const SCHEMA_FILE = join('schemas', 'connector.schema.json');
export const BASE_SCHEMA_FILE = join('schemas', 'src', 'connector.base.json');

const FAMILIES: ReadonlyArray<Family<KindSpec>> = [authKinds, paginators, verifiers, routeActions];

const SUFFIX = { template: ' (Handlebars template)', secret: ' (Handlebars template)', expression: ' (JSONata expression)' } as const;

let baseText: string | undefined;

function base(): Json {
  baseText ??= readFileSync(join(packageRoot(), BASE_SCHEMA_FILE), 'utf8');
  return JSON.parse(baseText) as Json;
}

const withDescription = (description: string | undefined): Json => (description !== undefined ? { description } : {});
const withDefault = (value: unknown): Json => (value !== undefined ? { default: value } : {});

/** One field's schema: the declared fragment, its docs and default, and the language mark checks and docs read. */
export function fieldSchema(f: FieldSpec): Json {
  switch (f.kind) {
    case 'literal':
      return { ...withDescription(f.description), ...f.schema, ...withDefault(f.default) };
    case 'pattern':
      // Checked by its own rules (linear, one capturing group), not the template or JSONata ones.
      return { ...withDescription(f.description), type: 'string' };
    case 'object':
      return { ...withDescription(f.description), type: 'object', additionalProperties: false, ...objectBody(f.fields) };
    default:
      // Maps say what their values are in their own description; the mark is for scalar fields.
      if (f.map) return { ...withDescription(f.description), type: 'object', additionalProperties: { type: 'string' } };
      return { description: `${f.description ?? ''}${SUFFIX[f.kind]}`, type: 'string', ...withDefault(f.default) };
  }
}

function objectBody(fields: FieldSpecs, extraRequired: readonly string[] = [], first: Json = {}): Json {
  const properties: Json = { ...first };
  const required = Object.keys(first);
  for (const [name, f] of Object.entries(fields)) {
    properties[name] = fieldSchema(f);
    if (f.required) required.push(name);
  }
  required.push(...extraRequired);
  return { properties, ...(required.length ? { required } : {}) };
}

export function kindDefName(family: Family<KindSpec>, kind: KindSpec): string {
  return kind.schemaName ?? `${family.options.prefix}${kind.type}`;
}

function kindSchema(family: Family<KindSpec>, kind: KindSpec): Json {
  const typeProp = { type: { description: family.options.typeDescription(kind.type), type: 'string' } };
  return {
    ...withDescription(kind.description),
    type: 'object',
    additionalProperties: false,
    ...objectBody(family.fieldsOf(kind), kind.requires ?? [], typeProp),
  };
}

/** A keyed family's block: the shared fields and one optional section per kind, under its name. */
function keyedDefs(family: Family<KindSpec>): Json {
  const kinds = family.kinds();
  const sections: Json = {};
  for (const k of kinds) sections[k.type] = { $ref: `#/$defs/${kindDefName(family, k)}` };
  const defs: Json = {
    [family.options.unionDef]: {
      description: family.options.description,
      type: 'object',
      additionalProperties: false,
      ...objectBody(family.options.shared ?? {}, [], {}),
    },
  };
  const union = defs[family.options.unionDef] as { properties: Json };
  union.properties = { ...union.properties, ...sections };
  for (const k of kinds) {
    Object.assign(defs, k.defs ?? {});
    defs[kindDefName(family, k)] = { ...withDescription(k.description), type: 'object', additionalProperties: false, ...objectBody(k.fields ?? {}, k.requires ?? []) };
  }
  return defs;
}

/** The family's union and every kind's section, in the order they go into `$defs`. */
export function familyDefs(family: Family<KindSpec>): Json {
  if (family.options.keyed) return keyedDefs(family);
  const kinds = family.kinds();
  const types = kinds.map((k) => k.type);
  const defs: Json = {
    [family.options.unionDef]: {
      description: family.options.description,
      type: 'object',
      required: ['type'],
      properties: { type: { description: `Which kind: ${types.join(', ')}.`, enum: types } },
      allOf: kinds.map((k) => ({
        if: { properties: { type: { const: k.type } }, required: ['type'] },
        then: { $ref: `#/$defs/${kindDefName(family, k)}` },
      })),
    },
  };
  for (const k of kinds) {
    Object.assign(defs, k.defs ?? {});
    defs[kindDefName(family, k)] = kindSchema(family, k);
  }
  return defs;
}

/** The manifest schema for the kinds registered now. */
export function generateManifestSchema(): Json {
  const schema = base();
  const defs: Json = {};
  for (const [name, def] of Object.entries((schema.$defs ?? {}) as Json)) {
    const marker = (def as { $family?: unknown } | null)?.$family;
    if (marker === undefined) {
      defs[name] = def;
      continue;
    }
    const family = FAMILIES.find((f) => f.options.name === marker);
    if (!family || family.options.unionDef !== name) throw new Error(`base schema: $defs.${name} names unknown component family ${JSON.stringify(marker)}`);
    Object.assign(defs, familyDefs(family));
  }
  return { ...schema, $defs: defs };
}

/** The schema as the checked-in file holds it. */
export function manifestSchemaJson(schema: Json = generateManifestSchema()): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

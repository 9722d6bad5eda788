/**
 * Components are the kinds a manifest chooses by `type`: a paginator, an auth strategy.
 * A kind declares each of its fields once — which language it speaks, its JSON Schema
 * fragment, its default, its docs — and everything else is derived from that declaration:
 * the manifest schema's branches and docs (manifest/schema-gen.ts), the field catalogue the
 * checks walk (manifest/fields.ts) and the defaults the compiler applies. A family is the
 * registry of one sort of component; hosts register kinds into it from outside.
 */
import { ConnectorError } from '../core/errors.js';
import type { CompiledExpr } from '../lang/expr.js';
import type { CompiledTemplate } from '../lang/template.js';
import type { Path, Severity } from '../manifest/diagnostics.js';
import type { CompileContext } from '../plan/compile-context.js';

export type Json = Record<string, unknown>;

/**
 * literal: a plain value; template: Handlebars writing a string; expression: JSONata reading
 * data; secret: a template whose result is a credential (rendered live, redacted); pattern: a
 * regular expression run on text a sender controls, so it must be proven linear.
 */
export type FieldKind = 'literal' | 'template' | 'expression' | 'secret' | 'pattern';

interface FieldBase {
  description?: string;
  required?: boolean;
}

/** A JSON Schema fragment that also says, to TypeScript, what value it admits. */
export type TypedSchema<T> = Json & { readonly __value?: T };
export const schemaOf = <T>(schema: Json): TypedSchema<T> => schema as TypedSchema<T>;

export interface LiteralField<T = unknown> extends FieldBase {
  kind: 'literal';
  /** The JSON Schema of the value (without description or default, which come from here). */
  schema: TypedSchema<T>;
  default?: T;
  /** Brings the manifest value to its plan form (a duration to milliseconds). */
  normalize?: (value: unknown) => unknown;
  /** The value names a stream (or an action) of the same manifest; `patchbay validate` says when it does not. */
  ref?: 'stream' | 'action';
}

export interface TextField extends FieldBase {
  kind: 'template' | 'secret' | 'expression';
  /** Source text used when the manifest leaves the field out. */
  default?: string;
  /** A map of name → text (`token_params`) rather than one text. */
  map?: boolean;
  /** Template variable roots of this field when they differ from the family's. */
  roots?: readonly string[];
  /** Human name of the field's context for hints, with `roots`. */
  context?: string;
  /** Names an expression field sees beyond its family's input (`item` in a fetch's `input`). */
  inputNames?: readonly string[];
}

/** A regular expression whose first capturing group is the value it finds. */
export interface PatternField extends FieldBase {
  kind: 'pattern';
  /** Example for the hint when the group is missing, e.g. `t=([0-9]+)`. */
  example?: string;
}

export interface ObjectField extends FieldBase {
  kind: 'object';
  fields: FieldSpecs;
  /** Absent in the manifest → absent in the plan (rather than an object of defaults). */
  optional?: boolean;
}

export type FieldSpec = LiteralField<any> | TextField | PatternField | ObjectField;
export type FieldSpecs = Record<string, FieldSpec>;

export const literal = <const F extends Omit<LiteralField<any>, 'kind'>>(f: F): F & { kind: 'literal' } => ({ kind: 'literal', ...f });
export const template = <const F extends Omit<TextField, 'kind'>>(f: F): F & { kind: 'template' } => ({ kind: 'template', ...f });
export const secret = <const F extends Omit<TextField, 'kind'>>(f: F): F & { kind: 'secret' } => ({ kind: 'secret', ...f });
export const expression = <const F extends Omit<TextField, 'kind'>>(f: F): F & { kind: 'expression' } => ({ kind: 'expression', ...f });
export const pattern = <const F extends Omit<PatternField, 'kind'>>(f: F): F & { kind: 'pattern' } => ({ kind: 'pattern', ...f });
export const object = <const F extends Omit<ObjectField, 'kind'>>(f: F): F & { kind: 'object' } => ({ kind: 'object', ...f });

type Value<F> =
  F extends { kind: 'literal'; schema: TypedSchema<infer T> } ? T
    : F extends { kind: 'template' | 'secret'; map: true } ? Record<string, CompiledTemplate>
      : F extends { kind: 'expression'; map: true } ? Record<string, CompiledExpr>
        : F extends { kind: 'template' | 'secret' } ? CompiledTemplate
          : F extends { kind: 'expression' } ? CompiledExpr
            : F extends { kind: 'pattern' } ? RegExp
              : F extends { kind: 'object'; fields: infer G extends FieldSpecs } ? Resolved<G>
                : never;
type Present<F> = F extends { required: true } | { default: NonNullable<unknown> } ? true
  : F extends { kind: 'object'; optional: true } ? false
    : F extends { kind: 'object' } ? true : false;

/** A kind's fields after compilation: literals with defaults, templates and expressions compiled. */
export type Resolved<Fs extends FieldSpecs> =
  { [K in keyof Fs as Present<Fs[K]> extends true ? K : never]: Value<Fs[K]> } &
  { [K in keyof Fs as Present<Fs[K]> extends true ? never : K]?: Value<Fs[K]> };

import { isPlainObject } from '../core/objects.js';

/** Compiles a block's declared fields; undeclared keys are left to the schema to refuse. */
export function resolveFields<Fs extends FieldSpecs>(ctx: CompileContext, specs: Fs, raw: Json, path: Path): Resolved<Fs> {
  const out: Json = {};
  for (const [name, spec] of Object.entries(specs)) {
    const v = raw[name];
    const at = [...path, name];
    if (spec.kind === 'literal') {
      const value = v !== undefined ? v : spec.default;
      if (value !== undefined) out[name] = spec.normalize ? spec.normalize(value) : value;
    } else if (spec.kind === 'object') {
      if (spec.optional && !isPlainObject(v)) continue;
      out[name] = resolveFields(ctx, spec.fields, isPlainObject(v) ? v : {}, at);
    } else if (spec.kind === 'pattern') {
      if (typeof v === 'string') out[name] = ctx.pattern(at, v);
    } else if (spec.map) {
      if (!isPlainObject(v)) continue;
      const m: Record<string, CompiledTemplate | CompiledExpr> = {};
      for (const [k, x] of Object.entries(v)) {
        if (spec.kind === 'expression') { if (typeof x === 'string') m[k] = ctx.expr([...at, k], x); }
        else m[k] = ctx.template([...at, k], String(x));
      }
      out[name] = m;
    } else {
      // A default compiles at the block's own path: the manifest has no line for it.
      const [src, where] = typeof v === 'string' ? [v, at] : [spec.default, path];
      if (src !== undefined) out[name] = spec.kind === 'expression' ? ctx.expr(where, src) : ctx.template(where, src);
    }
  }
  return out as Resolved<Fs>;
}

/** Literal defaults by manifest name, for blocks whose plan keeps the manifest's shape. */
export function literalDefaults(specs: FieldSpecs): Json {
  const out: Json = {};
  for (const [name, spec] of Object.entries(specs)) if (spec.kind === 'literal' && spec.default !== undefined) out[name] = spec.default;
  return out;
}

/** Resolved templates and expressions flattened to dotted manifest names (`token_fields.scope`). */
export function flattenCompiled(specs: FieldSpecs, resolved: Json, prefix = ''): { templates: Record<string, CompiledTemplate>; exprs: Record<string, CompiledExpr> } {
  const templates: Record<string, CompiledTemplate> = {};
  const exprs: Record<string, CompiledExpr> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const v = resolved[name];
    if (v === undefined || spec.kind === 'literal' || spec.kind === 'pattern') continue;
    if (spec.kind === 'object') {
      const inner = flattenCompiled(spec.fields, v as Json, `${prefix}${name}.`);
      Object.assign(templates, inner.templates);
      Object.assign(exprs, inner.exprs);
      continue;
    }
    const into: Record<string, unknown> = spec.kind === 'expression' ? exprs : templates;
    if (spec.map) for (const [k, x] of Object.entries(v as Json)) into[`${prefix}${name}.${k}`] = x;
    else into[`${prefix}${name}`] = v;
  }
  return { templates, exprs };
}

export interface TextOccurrence {
  path: Path;
  language: 'template' | 'expression';
  source: string;
  /** The field's own roots and context, when it declares them. */
  roots?: readonly string[];
  context?: string;
  inputNames?: readonly string[];
}

/** Every field a block sets, nested objects walked, with its declaration and manifest path. */
export function eachField(specs: FieldSpecs, block: unknown, base: Path, visit: (spec: Exclude<FieldSpec, ObjectField>, value: unknown, path: Path) => void): void {
  if (!isPlainObject(block)) return;
  for (const [name, spec] of Object.entries(specs)) {
    const v = block[name];
    if (spec.kind === 'object') eachField(spec.fields, v, [...base, name], visit);
    else if (v !== undefined) visit(spec, v, [...base, name]);
  }
}

/** Every template and expression a block sets, by its declared fields. */
export function textFields(specs: FieldSpecs, block: unknown, base: Path, sink: (o: TextOccurrence) => void): void {
  eachField(specs, block, base, (spec, v, path) => {
    if (spec.kind === 'literal' || spec.kind === 'pattern') return;
    const language = spec.kind === 'expression' ? 'expression' : 'template';
    const own = { ...(spec.roots ? { roots: spec.roots } : {}), ...(spec.context ? { context: spec.context } : {}), ...(spec.inputNames ? { inputNames: spec.inputNames } : {}) };
    if (!spec.map) { if (typeof v === 'string') sink({ path, language, source: v, ...own }); return; }
    // Map values are compiled as text whatever their YAML type; expressions only when strings.
    if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') sink({ path: [...path, k], language, source: x, ...own });
  });
}

/** A problem a kind finds in one of its blocks; `path` is relative to the block. */
export interface KindReport {
  path: Path;
  code: string;
  message: string;
  hint?: string;
  severity?: Severity;
  which?: 'key' | 'value';
}

/** A kind as every family sees it; each family adds its own compile and run parts. */
export interface KindSpec {
  /** The manifest's `type` value. */
  readonly type: string;
  /** Docs text: the schema description of the kind's section. */
  readonly description?: string;
  readonly fields?: FieldSpecs;
  /** `$defs` name of the kind's section; default the family prefix + type. */
  readonly schemaName?: string;
  /** Further `$defs` the kind's fields refer to, placed before its own section. */
  readonly defs?: Readonly<Record<string, Json>>;
  /** False: the family's shared fields do not apply (a kind with no knobs at all). */
  readonly shared?: boolean;
  /** Shared fields this kind cannot do without. */
  readonly requires?: readonly string[];
  /**
   * What only this kind knows to say about a block of it (`patchbay validate` runs it). The
   * block is schema-shaped at best: the hook must tolerate anything.
   */
  readonly check?: (block: Json, report: (r: KindReport) => void) => void;
}

export interface FamilyOptions {
  /** Manifest word for errors: `pagination`, `auth`. */
  name: string;
  /** `$defs` name of the union; the base schema marks its place with `{ "$family": name }`. */
  unionDef: string;
  prefix: string;
  description: string;
  typeDescription: (type: string) => string;
  shared?: FieldSpecs;
  /** Where the shared fields go in each kind's section. */
  sharedPosition: 'before' | 'after';
  /** Template variable roots for the family's template fields, and the context name for hints. */
  roots: readonly string[];
  context: string;
  /**
   * Keyed: a block holds one section per kind, under the kind's name (a webhook route's
   * `upsert:` and `emit:`), beside the shared fields, instead of choosing one by `type`.
   */
  keyed?: boolean;
}

let version = 0;

/** Changes with every registration, so derived artefacts (the schema, validators) know to rebuild. */
export function componentsVersion(): number {
  return version;
}

const TYPE_NAME = /^[a-z][a-z0-9_]*$/;

export class Family<K extends KindSpec = KindSpec> {
  private readonly byType = new Map<string, K>();
  private readonly builtin = new Set<string>();

  constructor(readonly options: FamilyOptions) {}

  register(kind: K, opts: { builtin?: boolean } = {}): void {
    if (typeof kind?.type !== 'string' || !TYPE_NAME.test(kind.type)) {
      throw new ConnectorError({ kind: 'internal', origin: 'caller', message: `${this.options.name} kind type ${JSON.stringify(kind?.type)} must be lower-case letters, digits and _` });
    }
    for (const r of kind.requires ?? []) {
      if (!this.options.shared?.[r]) throw new ConnectorError({ kind: 'internal', origin: 'caller', message: `${this.options.name} kind ${kind.type} requires \`${r}\`, which is not a shared field` });
    }
    this.byType.set(kind.type, kind);
    if (opts.builtin) this.builtin.add(kind.type);
    else this.builtin.delete(kind.type);
    version++;
  }

  get(type: unknown): K | undefined {
    return typeof type === 'string' ? this.byType.get(type) : undefined;
  }

  /** The kind of that type, or a config error listing the known ones. */
  require(type: string): K {
    const k = this.byType.get(type);
    if (!k) throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `unknown ${this.options.name} type "${type}"; known: ${this.types().join(', ')}` });
    return k;
  }

  types(): string[] {
    return [...this.byType.keys()];
  }

  kinds(): K[] {
    return [...this.byType.values()];
  }

  isBuiltin(type: string): boolean {
    return this.builtin.has(type);
  }

  /** The fields a block of this kind may set: its own and, unless opted out, the shared ones. */
  fieldsOf(kind: K): FieldSpecs {
    const own = kind.fields ?? {};
    // A keyed kind's section is its own; the shared fields sit beside the sections.
    if (kind.shared === false || !this.options.shared || this.options.keyed) return own;
    return this.options.sharedPosition === 'before' ? { ...this.options.shared, ...own } : { ...own, ...this.options.shared };
  }

  /**
   * The fields for a block whose type is unknown or missing: every kind's, so its templates and
   * expressions are still checked while the schema reports the type.
   */
  allFields(): FieldSpecs {
    const out: FieldSpecs = {};
    for (const k of this.byType.values()) for (const [n, f] of Object.entries(this.fieldsOf(k))) out[n] ??= f;
    return out;
  }

  fieldsFor(block: unknown): FieldSpecs {
    const k = isPlainObject(block) ? this.get(block.type) : undefined;
    return k ? this.fieldsOf(k) : this.allFields();
  }
}

/** A block's parts with the fields each may set: one part for a typed block; the shared fields and each present section for a keyed one. */
export function blockSections(family: Family<KindSpec>, block: unknown): Array<{ kind?: KindSpec; fields: FieldSpecs; value: unknown; path: Path }> {
  if (!family.options.keyed) {
    const kind = isPlainObject(block) ? family.get(block.type) : undefined;
    return [{ ...(kind ? { kind } : {}), fields: family.fieldsFor(block), value: block, path: [] }];
  }
  const out: Array<{ kind?: KindSpec; fields: FieldSpecs; value: unknown; path: Path }> = [{ fields: family.options.shared ?? {}, value: block, path: [] }];
  if (!isPlainObject(block)) return out;
  for (const kind of family.kinds()) if (block[kind.type] !== undefined) out.push({ kind, fields: family.fieldsOf(kind), value: block[kind.type], path: [kind.type] });
  return out;
}

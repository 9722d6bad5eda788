/**
 * Turns Ajv's error list into diagnostics a person can act on: one message per real
 * problem, placed on its line, with the allowed keys or values and the nearest match.
 * Ajv reports the machinery too (`if` failed, every `anyOf` branch failed); that noise is
 * folded here so an author sees the branch error once.
 */
import type { ErrorObject } from 'ajv';
import { dotted, show, typeName, type Diagnostic, type Path } from './diagnostics.js';
import type { Positions, Which } from './positions.js';
import { getManifestSchema } from './schema.js';
import { didYouMean, nearest } from './suggest.js';

interface Ctx {
  file: string;
  positions: Positions;
  manifest: unknown;
}

/** Keys whose schema errors a semantic check reports better. */
const OWNED_BY_CHECKS = new Set(['/patchbay']);

export function translateAjvErrors(errors: ErrorObject[], ctx: Ctx): Diagnostic[] {
  const kept = foldAnyOf(errors.filter((e) => e.keyword !== 'if' && e.keyword !== 'propertyNames' && !OWNED_BY_CHECKS.has(e.instancePath)));
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const e of kept.errors) {
    const d = translate(e, ctx);
    const key = `${d.path}\0${d.code}\0${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  out.push(...kept.replacements.map((r) => r(ctx)));
  return dropExplainedMissing(out);
}

function pathOf(instancePath: string): Path {
  if (!instancePath) return [];
  return instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(root: unknown, path: Path): unknown {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[String(seg)];
  }
  return cur;
}

/** `webhooks.routes[0].on`: list positions read as indexes, not keys. */
function label(path: Path): string {
  if (!path.length) return 'the manifest';
  const text = path.map((seg, i) => (/^\d+$/.test(String(seg)) ? `[${seg}]` : `${i ? '.' : ''}${seg}`)).join('');
  return `\`${text}\``;
}

function diag(ctx: Ctx, path: Path, which: Which, code: string, message: string, hint?: string): Diagnostic {
  const { line, column } = ctx.positions.locate(path, which);
  return { file: ctx.file, line, column, severity: 'error', code, message, ...(hint ? { hint } : {}), path: dotted(path) };
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping', array: 'a list', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', null: 'null',
};

function typeList(types: unknown): string {
  const list = (Array.isArray(types) ? types : [types]).map((t) => TYPE_WORDS[String(t)] ?? String(t));
  return list.length <= 1 ? (list[0] ?? 'another type') : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

let durationJson: string | undefined;

/**
 * Whether an error's schema is the `duration` definition. A generated validator carries its
 * own copy of the schema, so identity is not enough; the text comparison runs only on errors.
 */
function isDuration(schema: unknown): boolean {
  const duration = (getManifestSchema().$defs as Record<string, unknown> | undefined)?.duration;
  if (schema === duration) return true;
  if (!schema || typeof schema !== 'object' || !duration || Object.keys(schema).length !== Object.keys(duration).length) return false;
  durationJson ??= JSON.stringify(duration);
  return JSON.stringify(schema) === durationJson;
}

const DURATION_HINT = 'write a duration such as `500ms`, `30s`, `5m`, `1h`, `1d`, or an integer number of milliseconds';

function translate(e: ErrorObject, ctx: Ctx): Diagnostic {
  const path = pathOf(e.instancePath);
  const value = valueAt(ctx.manifest, path);
  const params = e.params as Record<string, any>;
  const parent = e.parentSchema as Record<string, any> | undefined;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys(parent?.properties ?? {});
      const where = path.length ? ` in ${label(path)}` : '';
      return diag(ctx, [...path, key], 'key', 'unknown-key', `unknown key \`${key}\`${where}`,
        didYouMean(key, allowed) ?? (allowed.length ? `allowed keys: ${allowed.join(', ')}` : undefined));
    }
    case 'required': {
      const key = String(params.missingProperty);
      return diag(ctx, path, 'key', 'missing-key', path.length ? `${label(path)} is missing required key \`${key}\`` : `missing required key \`${key}\``);
    }
    case 'type': {
      const expected = isDuration(parent) ? 'a duration' : typeList(params.type);
      return diag(ctx, path, 'value', 'invalid-type', `${label(path)} must be ${expected}, got ${typeName(value)}`,
        isDuration(parent) ? DURATION_HINT : undefined);
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      const near = typeof value === 'string' ? nearest(value, allowed.map(String)) : undefined;
      return diag(ctx, path, 'value', 'invalid-value', `${label(path)} must be one of: ${allowed.map(String).join(', ')}; got ${show(value)}`,
        near !== undefined ? `did you mean \`${near}\`?` : undefined);
    }
    case 'const':
      return diag(ctx, path, 'value', 'invalid-value', `${label(path)} must be ${show(params.allowedValue)}; got ${show(value)}`);
    case 'pattern': {
      const propertyName = (e as { propertyName?: string }).propertyName;
      if (propertyName !== undefined) {
        return diag(ctx, [...path, propertyName], 'key', 'invalid-format', `name \`${propertyName}\` in ${label(path)} must match ${params.pattern}`,
          'use lower-case letters, digits and `_`, starting with a letter');
      }
      if (isDuration(parent)) return diag(ctx, path, 'value', 'invalid-format', `${label(path)} is not a duration: ${show(value)}`, DURATION_HINT);
      return diag(ctx, path, 'value', 'invalid-format', `${label(path)} must match ${params.pattern}; got ${show(value)}`, typeof parent?.description === 'string' ? parent.description : undefined);
    }
    case 'format':
      return diag(ctx, path, 'value', 'invalid-format', `${label(path)} must be a valid ${params.format}; got ${show(value)}`);
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
      return diag(ctx, path, 'value', 'invalid-value', `${label(path)} must be ${params.comparison} ${params.limit}; got ${show(value)}`);
    case 'minItems': case 'maxItems':
      return diag(ctx, path, 'value', 'invalid-value', `${label(path)} must have ${e.keyword === 'minItems' ? 'at least' : 'at most'} ${params.limit} item(s)`);
    case 'minProperties': case 'maxProperties':
      return diag(ctx, path, 'value', 'invalid-value', `${label(path)} must have ${e.keyword === 'minProperties' ? 'at least' : 'at most'} ${params.limit} entr${params.limit === 1 ? 'y' : 'ies'}`);
    default:
      return diag(ctx, path, 'value', 'invalid-value', `${label(path)} ${e.message ?? 'is invalid'}`);
  }
}

type Replacement = (ctx: Ctx) => Diagnostic;

/**
 * An `anyOf` fails with one error per branch. When the value already has a branch's shape
 * (its errors sit deeper than the anyOf), that branch's errors are the real ones; otherwise
 * the value fits no branch and one "must be X or Y" says it all.
 */
function foldAnyOf(errors: ErrorObject[]): { errors: ErrorObject[]; replacements: Replacement[] } {
  const anyOfs = errors.filter((e) => e.keyword === 'anyOf');
  if (!anyOfs.length) return { errors, replacements: [] };
  const drop = new Set<ErrorObject>(anyOfs);
  const replacements: Replacement[] = [];
  for (const a of anyOfs) {
    const prefix = `${a.schemaPath}/`;
    const children = errors.filter((e) => e !== a && e.schemaPath.startsWith(prefix) && (e.instancePath === a.instancePath || e.instancePath.startsWith(`${a.instancePath}/`)));
    const deeper = children.filter((e) => e.instancePath !== a.instancePath);
    const shallow = deeper.length ? children.filter((e) => e.instancePath === a.instancePath) : children;
    for (const c of shallow) drop.add(c);
    if (!deeper.length) {
      const branches = (Array.isArray(a.schema) ? a.schema : []) as Array<Record<string, any>>;
      replacements.push((ctx) => {
        const path = pathOf(a.instancePath);
        const words = branches.map((b) => (b.type === 'array' && b.items?.type ? `a list of ${b.items.type}s` : typeList(b.type ?? 'value')));
        return diag(ctx, path, 'value', 'invalid-type', `${label(path)} must be ${words.join(' or ')}, got ${typeName(valueAt(ctx.manifest, path))}`);
      });
    }
  }
  return { errors: errors.filter((e) => !drop.has(e)), replacements };
}

/** `reqest:` present and `request` missing is one typo, not two problems. */
function dropExplainedMissing(list: Diagnostic[]): Diagnostic[] {
  const explained = new Set<string>();
  for (const d of list) {
    const m = d.code === 'unknown-key' ? /^did you mean `(.+)`\?$/.exec(d.hint ?? '') : null;
    if (m) explained.add(`${d.path?.split('.').slice(0, -1).join('.')}\0${m[1]}`);
  }
  return list.filter((d) => {
    if (d.code !== 'missing-key') return true;
    const key = /`([^`]+)`$/.exec(d.message)?.[1];
    return !explained.has(`${d.path}\0${key}`);
  });
}

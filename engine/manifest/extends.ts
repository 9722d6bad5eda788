/**
 * `extends: [name, …]` on actions and streams: the named blocks under `definitions` are
 * deep-merged beneath the item's own fields before the item is validated, so a shared
 * request shape is written once. Objects merge key by key; arrays and scalars replace,
 * because merging two `primary_key` lists or two `on` lists would never be what was meant.
 */
import { dotted, type Diagnostic, type Path } from './diagnostics.js';
import type { Positions } from './positions.js';
import { didYouMean } from './suggest.js';
import { isPlainObject } from '../core/objects.js';

const EXTENDABLE = ['actions', 'streams'] as const;

/** Sets an own property even for `__proto__`, so user keys can never reach a prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(base)) setOwn(out, k, base[k]);
  for (const k of Object.keys(over)) setOwn(out, k, Object.hasOwn(base, k) ? deepMerge(base[k], over[k]) : over[k]);
  return out;
}

/** Returns a manifest with every `extends` applied; the input is left untouched. */
export function resolveExtends(manifest: Record<string, unknown>, file: string, positions: Positions): { manifest: Record<string, unknown>; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const definitions = isPlainObject(manifest.definitions) ? manifest.definitions : {};
  let out = manifest;
  for (const section of EXTENDABLE) {
    const items = manifest[section];
    if (!isPlainObject(items)) continue;
    let changed: Record<string, unknown> | undefined;
    for (const [name, item] of Object.entries(items)) {
      if (!isPlainObject(item) || !Array.isArray(item.extends)) continue;
      let merged: unknown = {};
      item.extends.forEach((ref, i) => {
        if (typeof ref !== 'string') return; // the schema reports the wrong type
        if (!Object.hasOwn(definitions, ref)) {
          const path: Path = [section, name, 'extends', i];
          const { line, column } = positions.locate(path, 'value');
          const known = Object.keys(definitions);
          diagnostics.push({
            file, line, column, severity: 'error', code: 'unknown-definition', path: dotted(path),
            message: `\`extends\` names \`${ref}\`, which is not under \`definitions\``,
            hint: didYouMean(ref, known) ?? (known.length ? `defined: ${known.join(', ')}` : 'add it under top-level `definitions`'),
          });
          return;
        }
        merged = deepMerge(merged, definitions[ref]);
      });
      changed ??= { ...items };
      setOwn(changed, name, deepMerge(merged, item));
    }
    if (changed) {
      if (out === manifest) out = { ...manifest };
      setOwn(out, section, changed);
    }
  }
  if (out !== manifest) positions.addRedirect(extendsRedirect(manifest));
  return { manifest: out, diagnostics };
}

/** A field that came from a definition is located in that definition's text. */
function extendsRedirect(manifest: Record<string, unknown>) {
  return (path: Path): Path[] => {
    const [section, name, ...rest] = path;
    if (!EXTENDABLE.includes(section as (typeof EXTENDABLE)[number]) || name === undefined) return [];
    const item = (manifest[section as string] as Record<string, unknown> | undefined)?.[String(name)];
    if (!isPlainObject(item) || !Array.isArray(item.extends)) return [];
    return item.extends.filter((r): r is string => typeof r === 'string').reverse().map((r) => ['definitions', r, ...rest]);
  };
}

import type { Path } from '../diagnostics.js';
import { isPlainObject } from '../../core/objects.js';

/** Every `http` block of a manifest (connector level and each override) with its path. */
export function httpBlocks(m: Record<string, unknown>): Array<{ path: Path; http: Record<string, unknown> }> {
  const out: Array<{ path: Path; http: Record<string, unknown> }> = [];
  const add = (path: Path, v: unknown) => { if (isPlainObject(v)) out.push({ path, http: v }); };
  add(['http'], m.http);
  if (isPlainObject(m.check)) add(['check', 'http'], m.check.http);
  for (const section of ['actions', 'streams'] as const) {
    const items = m[section];
    if (!isPlainObject(items)) continue;
    for (const [name, item] of Object.entries(items)) if (isPlainObject(item)) add([section, name, 'http'], item.http);
  }
  return out;
}

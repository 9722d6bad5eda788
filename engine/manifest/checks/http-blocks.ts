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
  if (isPlainObject(m.dynamic_streams)) {
    for (const [name, f] of Object.entries(m.dynamic_streams)) {
      if (!isPlainObject(f)) continue;
      if (isPlainObject(f.discover)) add(['dynamic_streams', name, 'discover', 'http'], f.discover.http);
      if (isPlainObject(f.stream)) add(['dynamic_streams', name, 'stream', 'http'], f.stream.http);
    }
  }
  return out;
}

/**
 * A dynamic family's template is read once per discovered item, each read on its own; a
 * `parent` would make every discovered stream re-read another stream in full, and the
 * discovered names cannot be a parent's, so the template may not have one.
 */
import { isPlainObject } from '../../core/objects.js';
import type { Check } from './types.js';

export const dynamicStreams: Check = {
  name: 'dynamic-parent',
  run(ctx) {
    const families = ctx.manifest.dynamic_streams;
    if (!isPlainObject(families)) return;
    for (const [name, f] of Object.entries(families)) {
      if (!isPlainObject(f) || !isPlainObject(f.stream) || f.stream.parent === undefined) continue;
      ctx.report({
        path: ['dynamic_streams', name, 'stream', 'parent'], which: 'key', code: 'dynamic-parent',
        message: `the stream template of dynamic family \`${name}\` has a \`parent\`; a discovered stream is read on its own`,
        hint: 'remove `parent`; what the template needs from the discovery is in `item` (`{{item.name}}`)',
      });
    }
  },
};

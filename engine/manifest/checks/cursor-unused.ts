/**
 * An incremental stream keeps a cursor in `state`; if its request never reads `state`, the
 * cursor is tracked but every run still reads everything.
 */
import { isPlainObject } from '../../core/objects.js';
import type { Check } from './types.js';

export const cursorUnused: Check = {
  name: 'cursor-unused',
  run(ctx) {
    const streams = ctx.manifest.streams;
    if (!isPlainObject(streams)) return;
    for (const [name, s] of Object.entries(streams)) {
      if (!isPlainObject(s) || !isPlainObject(s.cursor)) continue;
      const readsState = ctx.fields.some((f) => {
        if (f.owner?.section !== 'streams' || f.owner.name !== name || f.path[2] !== 'request') return false;
        return /\bstate\b/.test(f.source);
      });
      if (readsState) continue;
      ctx.report({
        path: ['streams', name, 'cursor'], which: 'key', code: 'cursor-unused', severity: 'warning',
        message: `stream \`${name}\` has a cursor but its request never reads \`state\`, so every run reads everything`,
        hint: 'pass the cursor to the provider, e.g. `since: "{{state.cursor}}"`',
      });
    }
  },
};

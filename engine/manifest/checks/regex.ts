/** Signature and timestamp patterns become RegExps at compile time; a broken one fails here, placed. */
import type { Path } from '../diagnostics.js';
import { isPlainObject } from '../extends.js';
import type { Check } from './types.js';

export const regexCheck: Check = {
  name: 'regex',
  run(ctx) {
    const w = ctx.manifest.webhooks;
    const verify = isPlainObject(w) && isPlainObject(w.verify) ? w.verify : undefined;
    if (!verify) return;
    for (const part of ['signature', 'timestamp'] as const) {
      const block = verify[part];
      if (!isPlainObject(block) || typeof block.pattern !== 'string') continue;
      const path: Path = ['webhooks', 'verify', part, 'pattern'];
      try {
        new RegExp(block.pattern);
      } catch (err) {
        ctx.report({ path, code: 'invalid-format', message: `not a valid regular expression: ${String((err as Error)?.message ?? err)}` });
        continue;
      }
      if (!/\((?!\?)/.test(block.pattern)) {
        ctx.report({ path, code: 'invalid-format', message: 'the pattern needs a capturing group: its first group is the value', hint: part === 'timestamp' ? 'e.g. `t=([0-9]+)`' : 'e.g. `v1=([0-9a-f]+)`' });
      }
    }
  },
};

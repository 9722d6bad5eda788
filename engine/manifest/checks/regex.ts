/** Patterns become RegExps at compile time; a broken one, or one without the group it reads, fails here, placed. */
import { declaredValues } from '../fields.js';
import type { Check } from './types.js';

export const regexCheck: Check = {
  name: 'regex',
  run(ctx) {
    for (const p of declaredValues(ctx.manifest)) {
      if (p.kind !== 'pattern') continue;
      try {
        new RegExp(p.value);
      } catch (err) {
        ctx.report({ path: p.path, code: 'invalid-format', message: `not a valid regular expression: ${String((err as Error)?.message ?? err)}` });
        continue;
      }
      if (!/\((?!\?)/.test(p.value)) {
        ctx.report({ path: p.path, code: 'invalid-format', message: 'the pattern needs a capturing group: its first group is the value', ...(p.example ? { hint: `e.g. \`${p.example}\`` } : {}) });
      }
    }
  },
};

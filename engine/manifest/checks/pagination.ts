/**
 * Paginators must be able to stop. Most kinds stop on what the response says (an empty
 * token, no `next` link); kinds declaring `endsOnShortPage` (offset, page numbers) only know
 * the end from a short page, which needs the page `size`, or from an explicit `stop_when`.
 */
import { dotted } from '../diagnostics.js';
import { isPlainObject } from '../../core/objects.js';
import { paginators } from '../../components/pagination/registry.js';
import { httpBlocks } from './http-blocks.js';
import type { Check } from './types.js';

export const paginationStop: Check = {
  name: 'pagination-no-stop',
  run(ctx) {
    for (const { path, http } of httpBlocks(ctx.manifest)) {
      const p = http.pagination;
      if (!isPlainObject(p) || typeof p.type !== 'string' || !paginators.get(p.type)?.endsOnShortPage) continue;
      if (p.size !== undefined || p.stop_when !== undefined) continue;
      const at = [...path, 'pagination'];
      // The schema may already require `size` for this kind; one message is enough.
      if (ctx.earlier.some((d) => d.code === 'missing-key' && d.path === dotted(at) && d.message.endsWith('`size`'))) continue;
      ctx.report({
        path: at, which: 'key', code: 'pagination-no-stop',
        message: `\`${p.type}\` pagination without \`size\` or \`stop_when\` cannot tell the last page`,
        hint: 'set `size` (a short page ends the list) or a `stop_when` expression',
      });
    }
  },
};

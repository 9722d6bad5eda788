import { basename, dirname, resolve } from 'node:path';
import type { Check } from './types.js';

/** Connectors are found by folder and addressed by id; when the two differ, one of them lies. */
export const idMismatch: Check = {
  name: 'id-mismatch',
  run(ctx) {
    const id = ctx.manifest.id;
    if (typeof id !== 'string' || basename(ctx.file) !== 'connector.yaml') return;
    const folder = basename(dirname(resolve(ctx.file)));
    if (folder === id) return;
    ctx.report({
      path: ['id'], code: 'id-mismatch', severity: 'warning',
      message: `connector id \`${id}\` differs from its folder name \`${folder}\``,
      hint: `rename the folder to \`${id}\` or set \`id: ${folder}\``,
    });
  },
};

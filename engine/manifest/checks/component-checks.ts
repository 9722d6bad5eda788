/**
 * Runs each component kind's own `check` hook on its blocks (auth methods, paginations), so a
 * kind's rules live in its file, not in a check that branches on kind names.
 */
import type { Family, Json, KindSpec } from '../../components/kit.js';
import { authKinds } from '../../components/auth/registry.js';
import { paginators } from '../../components/pagination/registry.js';
import type { Path } from '../diagnostics.js';
import { isPlainObject } from '../extends.js';
import { authMethods } from '../fields.js';
import { httpBlocks } from './http-blocks.js';
import type { Check, CheckContext } from './types.js';

function run(ctx: CheckContext, family: Family<KindSpec>, block: unknown, path: Path): void {
  if (!isPlainObject(block)) return;
  const hook = family.get(block.type)?.check;
  hook?.(block as Json, (r) => ctx.report({ ...r, path: [...path, ...r.path] }));
}

export const componentChecks: Check = {
  name: 'component-checks',
  run(ctx) {
    for (const { path, method } of authMethods(ctx.manifest.auth)) run(ctx, authKinds, method, path);
    for (const { path, http } of httpBlocks(ctx.manifest)) run(ctx, paginators, http.pagination, [...path, 'pagination']);
  },
};

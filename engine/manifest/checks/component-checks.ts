/**
 * Runs each component kind's own `check` hook on its blocks (auth methods, paginations,
 * verification, route actions), so a kind's rules live in its file, not in a check that
 * branches on kind names.
 */
import { blockSections, type Family, type Json, type KindSpec } from '../../components/kit.js';
import { paginators } from '../../components/pagination/registry.js';
import type { Path } from '../diagnostics.js';
import { isPlainObject } from '../../core/objects.js';
import { componentBlocks } from '../fields.js';
import { httpBlocks } from './http-blocks.js';
import type { Check, CheckContext } from './types.js';

function run(ctx: CheckContext, family: Family<KindSpec>, block: unknown, path: Path): void {
  for (const part of blockSections(family, block)) {
    if (!part.kind?.check || !isPlainObject(part.value)) continue;
    const at = [...path, ...part.path];
    part.kind.check(part.value as Json, (r) => ctx.report({ ...r, path: [...at, ...r.path] }));
  }
}

export const componentChecks: Check = {
  name: 'component-checks',
  run(ctx) {
    for (const { family, block, path } of componentBlocks(ctx.manifest)) run(ctx, family, block, path);
    for (const { path, http } of httpBlocks(ctx.manifest)) run(ctx, paginators, http.pagination, [...path, 'pagination']);
  },
};

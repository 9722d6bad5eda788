import type { ExprSyntaxError } from '../../lang/expr.js';
import type { Path } from '../diagnostics.js';
import { MAP_PREFIX, wrapMapping } from '../../lang/mapping.js';
import { innerPosition } from './inner.js';
import { exprError } from './syntax-cache.js';
import type { Check } from './types.js';

const isStreamMapping = (p: Path) =>
  (p.length === 3 && p[0] === 'streams' && p[2] === 'mapping') || (p.length === 4 && p[0] === 'dynamic_streams' && p[2] === 'stream' && p[3] === 'mapping');

/** JSONata reports where it stopped, just past the offending token; point at the token's start. */
export function exprErrorOffset(err: ExprSyntaxError): number | undefined {
  if (typeof err.position !== 'number') return undefined;
  const token = err.token && err.token !== '(end)' ? err.token : '';
  return Math.max(0, err.position - token.length);
}

export const jsonataSyntax: Check = {
  name: 'jsonata-syntax',
  run(ctx) {
    for (const f of ctx.fields) {
      if (f.kind !== 'jsonata') continue;
      let err = exprError(f.source);
      let offset = err && exprErrorOffset(err);
      if (!err && isStreamMapping(f.path)) {
        // What runs is the mapping inside a page-wide wrapper; text that closes the wrapper
        // early compiles alone but not there.
        err = exprError(wrapMapping(f.source));
        offset = err && exprErrorOffset(err);
        if (offset !== undefined) offset = Math.min(f.source.length, Math.max(0, offset - MAP_PREFIX.length));
      }
      if (!err) continue;
      ctx.report({
        path: f.path,
        code: 'jsonata-syntax',
        message: `JSONata: ${err.message}${err.code ? ` (${err.code})` : ''}`,
        at: offset === undefined ? undefined : innerPosition(ctx.positions, f.path, f.source, offset),
      });
    }
  },
};

/**
 * A stream's `mapping` is written per record but runs once per page: the compiler wraps it
 * so one evaluation maps the whole array (one sandbox entry per page, not per record).
 */
import type { CompiledExpr } from './expr.js';
import { compileFastPageMapper, type FastPageMapper } from './expr-fast/index.js';
import { finalize } from './expr-fast/values.js';

export const MAP_PREFIX = '$map($, function($r){ $r.(';
export const MAP_SUFFIX = ') })';

export function wrapMapping(mapping: string): string {
  return `${MAP_PREFIX}${mapping}${MAP_SUFFIX}`;
}

/**
 * JSONata collapses a one-item result sequence to the item and an empty one to nothing, so
 * the wrapped expression alone would hand back `{…}` for a one-record page. The page mapper
 * always answers with a plain array of plain JSON values.
 */
export function pageMapper(inner: CompiledExpr): CompiledExpr {
  const viaJsonata = async (input: unknown, bindings?: Record<string, unknown>): Promise<unknown> => {
    const out = await inner.evaluate(input, bindings);
    if (out === undefined) return [];
    return Array.from(Array.isArray(out) ? out : [out], finalize);
  };
  // The mapping runs per record in a plain loop when it is in the fast subset; a page it
  // cannot mirror (an error case, say) is mapped again, whole, by the JSONata wrapper.
  const fast: FastPageMapper | undefined = compileFastPageMapper(inner.source);
  return Object.freeze({
    source: inner.source,
    location: inner.location,
    fast: fast !== undefined,
    evaluate: fast === undefined
      ? viaJsonata
      : (input: unknown, bindings?: Record<string, unknown>): Promise<unknown> => {
          let out: unknown[];
          try {
            out = fast.mapPage(input, bindings);
          } catch {
            return viaJsonata(input, bindings);
          }
          return Promise.resolve(out);
        },
  });
}

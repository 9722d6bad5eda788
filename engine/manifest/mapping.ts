/**
 * A stream's `mapping` is written per record but runs once per page: the compiler wraps it
 * so one evaluation maps the whole array (one sandbox entry per page, not per record).
 */
import type { CompiledExpr } from '../expr.js';

export const MAP_PREFIX = '$map($, function($r){ $r.(';
export const MAP_SUFFIX = ') })';

export function wrapMapping(mapping: string): string {
  return `${MAP_PREFIX}${mapping}${MAP_SUFFIX}`;
}

/**
 * JSONata collapses a one-item result sequence to the item and an empty one to nothing, so
 * the wrapped expression alone would hand back `{…}` for a one-record page. The page mapper
 * always answers with a plain array.
 */
export function pageMapper(inner: CompiledExpr): CompiledExpr {
  return Object.freeze({
    source: inner.source,
    location: inner.location,
    async evaluate(input: unknown, bindings?: Record<string, unknown>): Promise<unknown> {
      const out = await inner.evaluate(input, bindings);
      if (out === undefined) return [];
      return Array.isArray(out) ? Array.from(out) : [out];
    },
  });
}

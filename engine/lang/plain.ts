/**
 * JSONata hands back arrays tagged as sequences (an extra `sequence` property) and objects
 * without a prototype. What leaves the engine is plain JSON data, so hosts can compare, store and
 * serialise it without meeting JSONata's internals.
 */
export function plain<T>(value: T): T {
  if (Array.isArray(value)) return Array.from(value, plain) as T;
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out as T;
  }
  return value;
}

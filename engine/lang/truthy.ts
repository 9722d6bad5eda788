/**
 * When a manifest expression is used as a condition (`when`, `stop_when`, `errors.when`,
 * `error_when`, a handshake's `when`), its result is read as JSONata's own `$boolean` reads
 * it, so an author can check a condition in any JSONata playground: a filter that matched
 * nothing (`[]`) is false, an empty object is false, a sequence is true when any member is.
 */
export function truthy(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'bigint') return v !== 0n;
  if (Array.isArray(v)) return v.some(truthy);
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return false;
}

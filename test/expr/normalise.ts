/** JSONata's output as plain data (sequence flags and null prototypes dropped), for comparison. */
export function normalise(v: unknown): unknown {
  if (Array.isArray(v)) return Array.from(v, normalise);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = normalise((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** Same keys in the same order at every level (toEqual ignores order). */
export function sameKeyOrder(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameKeyOrder(x, b[i]));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameKeyOrder((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return true;
}

/**
 * Deep freeze for plans. Functions (Ajv validators keep `errors` on themselves) and
 * RegExps (stateful `lastIndex`) are left alone; already-frozen objects are compiled
 * templates and expressions, frozen where they were made.
 */
export function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if (typeof value !== 'object' || value === null || value instanceof RegExp) return value;
  if (seen.has(value) || Object.isFrozen(value)) return value;
  seen.add(value);
  for (const key of Reflect.ownKeys(value)) {
    const child = (value as Record<string | symbol, unknown>)[key];
    if (typeof child === 'object' && child !== null) deepFreeze(child, seen);
  }
  return Object.freeze(value);
}

/**
 * Structural comparison that explains itself: instead of "not equal", one line per
 * differing leaf (`records[2].title: expected "a", got "b"`), which is what an author
 * needs to fix a mapping or a fixture.
 */

import { isPlainObject } from '../core/objects.js';

/** Short, single-line rendering of a value for a diff line. */
export function show(value: unknown, max = 200): string {
  if (value === undefined) return '(absent)';
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}


function join(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  const safe = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key);
  return base ? `${base}.${safe}` : safe;
}

/**
 * Every difference between `expected` and `actual` under `label`, as readable lines.
 * Object keys whose value is `undefined` count as absent (JSONata drops them anyway).
 */
export function diff(expected: unknown, actual: unknown, label: string, out: string[] = [], limit = 20): string[] {
  if (out.length >= limit) return out;
  // `{ present: true }` anywhere in an expectation: any value, for what a case cannot know (a time computed from now).
  if (anyValue(expected)) {
    if (actual === undefined) out.push(`${label}: expected a value, got (absent)`);
    return out;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) out.push(`${label}: expected ${expected.length} item(s), got ${actual.length}`);
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n && out.length < limit; i++) diff(expected[i], actual[i], join(label, i), out, limit);
    return out;
  }
  if (isPlainObject(expected) && isPlainObject(actual)) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const k of keys) {
      if (out.length >= limit) break;
      diff(expected[k], actual[k], join(label, k), out, limit);
    }
    return out;
  }
  if (!Object.is(expected, actual) && !(expected === 0 && actual === 0)) {
    out.push(`${label}: expected ${show(expected)}, got ${show(actual)}`);
  }
  if (out.length === limit) out.push('… (more differences not shown)');
  return out;
}

export function deepEqual(expected: unknown, actual: unknown): boolean {
  return diff(expected, actual, '', [], 1).length === 0;
}

const anyValue = (v: unknown): boolean => isPlainObject(v) && Object.keys(v).length === 1 && (v as Record<string, unknown>).present === true;

/**
 * The keys `expected` names, compared with `actual`'s (others ignored): stored credentials
 * and settings hold much a case does not care about. `{ present: true }` is any value.
 */
export function diffNamed(expected: Record<string, unknown>, actual: Record<string, unknown> | undefined, label: string, out: string[] = []): string[] {
  for (const [k, want] of Object.entries(expected)) {
    const got = actual?.[k];
    if (anyValue(want)) {
      if (got === undefined || got === null || got === '') out.push(`${join(label, k)}: expected a value, got ${show(got)}`);
    } else diff(want, got, join(label, k), out);
  }
  return out;
}

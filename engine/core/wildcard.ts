/**
 * `*` patterns (subscription events, webhook route `on`) matched without a regex. Patterns
 * are tenant or manifest text and types come from webhook payloads, so matching must stay
 * linear-ish whatever both hold: a backtracking regex built from `*a*a*a…b` is not.
 *
 * The pattern is split at `*` into literal parts. The first part must be a prefix and the
 * last a suffix; each middle part is taken at its leftmost occurrence. Leftmost is always
 * right for `*`-only patterns: it leaves the most text for the parts after it, and the gap
 * it skips is the shortest. So no step is ever undone and the cost is at most
 * (text length) × (pattern length) character comparisons.
 *
 * A `*` does not cross a line break (`\n`, `\r`, U+2028, U+2029): the regex this replaces
 * (`.*`) never did, and a type holding one is malformed anyway.
 */

export interface WildcardMatcher {
  readonly pattern: string;
  test(text: string): boolean;
}

/** Counts character comparisons; tests use it to bound the work on adversarial input. */
export interface StepCounter {
  steps: number;
}

const isLineBreak = (c: number) => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;

function sameAt(text: string, at: number, part: string, counter?: StepCounter): boolean {
  for (let j = 0; j < part.length; j++) {
    if (counter) counter.steps++;
    if (text.charCodeAt(at + j) !== part.charCodeAt(j)) return false;
  }
  return true;
}

/** No line break in text[from, to): the stretch a `*` would cover. */
function starSpan(text: string, from: number, to: number, counter?: StepCounter): boolean {
  for (let i = from; i < to; i++) {
    if (counter) counter.steps++;
    if (isLineBreak(text.charCodeAt(i))) return false;
  }
  return true;
}

export function wildcardMatch(pattern: string, text: string, counter?: StepCounter): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === text;
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (text.length < first.length + last.length) return false;
  if (!sameAt(text, 0, first, counter)) return false;
  const end = text.length - last.length;
  if (!sameAt(text, end, last, counter)) return false;
  let at = first.length;
  for (let p = 1; p < parts.length - 1; p++) {
    const part = parts[p];
    if (part === '') continue;
    let found = -1;
    for (let i = at; i + part.length <= end; i++) {
      if (sameAt(text, i, part, counter)) {
        found = i;
        break;
      }
      // A later occurrence would make the star before it cover this break too.
      if (counter) counter.steps++;
      if (isLineBreak(text.charCodeAt(i))) return false;
    }
    if (found < 0) return false;
    at = found + part.length;
  }
  return starSpan(text, at, end, counter);
}

export function wildcard(pattern: string): WildcardMatcher {
  return Object.freeze({ pattern, test: (text: string) => wildcardMatch(pattern, text) });
}

/**
 * JSON from providers, parsed without losing integers. Provider ids are often 64-bit
 * (64-bit ids such as `706405506930370084`, snowflake ids); JSON.parse rounds any
 * integer past 2^53 to the nearest double, so the id a record is stored under, and the one
 * sent back to the provider, would name another object. Such integers come back as their
 * exact decimal text, a string; every other value is what JSON.parse gives.
 *
 * Only bodies that may hold such an integer pay for more than JSON.parse. An unsafe
 * integer has at least 16 digits (2^53 is 9007199254740992), so a text without a run of 16
 * digits is parsed by JSON.parse alone; the test costs about 5% of JSON.parse on a page of
 * records (BENCHMARKS.md, "Lossless JSON"). A text with such a run (a 16-digit timestamp
 * in microseconds, digits in a string) is parsed by JSON.parse and its numbers looked at;
 * only when one of them is an integer outside the safe range, which a long literal
 * rounded to, is the text parsed again by lossless-json. The gate may say yes wrongly,
 * which costs speed only; it cannot say no wrongly.
 */
import { isInteger, parse } from 'lossless-json';

// Sixteen `\d` written out, not `\d{16}`: V8 scans this form with Boyer-Moore skips (it
// looks 16 characters ahead and jumps past any non-digit), which makes it ~10x faster.
const RUN_OF_16_DIGITS = new RegExp('\\d'.repeat(16));

/**
 * Only literals written as integers become strings: those are the ids and counters whose
 * every digit names something. A literal with a fraction or an exponent (`1.5e300`,
 * `0.12345678901234567891`, `9007199254740993.0`) was written as a float, and rounding it
 * to the nearest double is what a float means, so it stays a number: exactly the double
 * JSON.parse gives, so a body parses the same whichever path it takes. `isInteger` is
 * `-?\d+`; Number() of a valid JSON number is the double JSON.parse makes of it.
 */
function parseNumber(text: string): number | string {
  const n = Number(text);
  return isInteger(text) && !Number.isSafeInteger(n) ? text : n;
}

/** JSON.parse keeps the last of repeated keys; lossless-json would throw. */
const LAST_WINS = { parseNumber, onDuplicateKey: ({ newValue }: { newValue: unknown }) => newValue };

/** The cheap gate: false means JSON.parse alone is exact for this text. */
export function mayHoldUnsafeInteger(text: string): boolean {
  return RUN_OF_16_DIGITS.test(text);
}

/** Throws a SyntaxError on invalid JSON, as JSON.parse does. */
export function parseJson(text: string): unknown {
  if (!RUN_OF_16_DIGITS.test(text)) return JSON.parse(text);
  // JSON.parse first: it validates (with its own messages) and is fast; only a body that
  // really holds an unsafe integer literal is parsed again.
  const quick = JSON.parse(text);
  return holdsUnsafeInteger(quick) ? parse(text, null, LAST_WINS) : quick;
}

/** An integer-valued number outside the safe range may be a rounded literal. */
function holdsUnsafeInteger(v: unknown): boolean {
  if (typeof v === 'number') return Number.isInteger(v) && !Number.isSafeInteger(v);
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    for (const x of v) if (holdsUnsafeInteger(x)) return true;
    return false;
  }
  for (const k in v) if (holdsUnsafeInteger((v as Record<string, unknown>)[k])) return true;
  return false;
}

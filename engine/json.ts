/**
 * JSON from providers, parsed without losing integers. Provider ids are often 64-bit
 * (Shopify's `706405506930370084`, Twitter's, Discord's snowflakes); JSON.parse rounds any
 * integer past 2^53 to the nearest double, so the id a record is stored under, and the one
 * sent back to the provider, would name another object. Such integers come back as their
 * exact decimal text, a string; every other value is what JSON.parse gives.
 *
 * Only bodies that may hold such an integer take the slower lossless parser: an unsafe
 * integer has at least 16 digits (2^53 is 9007199254740992), and a number in JSON starts
 * at the beginning of the text or after `:`, `,` or `[` and whitespace, so a body without
 * that pattern is parsed by JSON.parse alone. The gate may say yes wrongly (a string
 * holding `, 1234567890123456`), which costs only speed; it cannot say no wrongly.
 */
import { isInteger, parse } from 'lossless-json';

const MAY_HOLD_BIG_INTEGER = /(?:^|[:,[])\s*-?\d{16}/;

/**
 * Only literals written as integers become strings. A literal with a fraction or an
 * exponent (`1.5e300`, `0.12345678901234567891`, `9007199254740993.0`) is a float in every
 * JSON reader the provider's own clients use, and rounding it is the number's meaning, not a
 * loss of identity; keeping it a number also keeps the two paths equal (JSON.parse gives
 * the same double for it). `isInteger` is `-?\d+`; Number() of any valid JSON number equals
 * what JSON.parse makes of it.
 */
function parseNumber(text: string): number | string {
  const n = Number(text);
  return isInteger(text) && !Number.isSafeInteger(n) ? text : n;
}

/** JSON.parse keeps the last of repeated keys; lossless-json would throw. */
const LAST_WINS = { parseNumber, onDuplicateKey: ({ newValue }: { newValue: unknown }) => newValue };

/** Throws a SyntaxError on invalid JSON, as JSON.parse does. */
export function parseJson(text: string): unknown {
  if (!MAY_HOLD_BIG_INTEGER.test(text)) return JSON.parse(text);
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

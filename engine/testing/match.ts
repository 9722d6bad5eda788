/**
 * Compares one request the connector actually sent with the exchange it was expected to
 * make. Paths are compared as sent (raw percent-encoding), because encoding mistakes are
 * exactly the bugs these tests exist to catch.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { diff, show } from './compare.js';
import type { ExpectedParam, ExpectedQueryParam, ExpectedRequest, HeaderPresence } from './types.js';

export interface ActualRequest {
  method: string;
  /** Path as sent, without the query string. */
  path: string;
  /** Raw query string without the `?` ('' when none). */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** `a=1&a=2&b=3` → `{ a: ['1', '2'], b: '3' }`: repeated names become lists. */
export function flatPairs(encoded: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(encoded)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function mediaType(headers: IncomingHttpHeaders): string {
  return String(headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

const isForm = (headers: IncomingHttpHeaders) => mediaType(headers) === 'application/x-www-form-urlencoded';

/** A form body carries only strings, so YAML numbers and booleans are compared as text. */
function stringLeaves(v: unknown): unknown {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map(stringLeaves);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stringLeaves(x)]));
  return v;
}

const isPresence = (v: unknown): v is { present: boolean } => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A single expected value matches a one-element list and vice versa only when written so. */
export function compareParams(expected: Record<string, ExpectedParam>, actual: Record<string, string | string[]>, label: string): string[] {
  const out: string[] = [];
  const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
  for (const k of keys) {
    const e = expected[k];
    const a = actual[k];
    const field = `${label}.${k}`;
    if (e === undefined) out.push(`${field}: not expected, got ${show(a)}`);
    else if (a === undefined) out.push(`${field}: expected ${isPresence(e) ? 'a value' : show(e)}, got (absent)`);
    else if (isPresence(e)) {
      if ((Array.isArray(a) ? a : [a]).some((x) => x === '')) out.push(`${field}: expected a value, got ${show(a)}`);
    } else {
      const el = Array.isArray(e) ? e.map(String) : [String(e)];
      const al = Array.isArray(a) ? a : [a];
      if (el.length !== al.length || el.some((x, i) => x !== al[i]) || (!Array.isArray(e) && Array.isArray(a))) {
        out.push(`${field}: expected ${show(e)}, got ${show(a)}`);
      }
    }
  }
  return out;
}

function parseBody(req: ActualRequest): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (req.body === '') return { ok: true, value: undefined };
  if (isForm(req.headers)) return { ok: true, value: flatPairs(req.body) };
  const type = mediaType(req.headers);
  if (type === 'application/json' || type.endsWith('+json') || type === '') {
    try {
      return { ok: true, value: JSON.parse(req.body) };
    } catch {
      if (type !== '') return { ok: false, reason: `body is not valid JSON: ${show(req.body)}` };
    }
  }
  return { ok: true, value: req.body };
}

/**
 * Values of `same_across_retries` headers (lower-case name) and query parameters (`?name`)
 * seen so far in one case: the first exchange that names one fixes it for the rest.
 */
export type StickyHeaders = Map<string, string>;

function checkPresence(name: string, want: HeaderPresence, got: string | undefined, sticky: StickyHeaders | undefined, out: string[]): void {
  const field = `headers.${name}`;
  const mustBePresent = want.present !== false || want.same_across_retries === true;
  if (!mustBePresent) {
    if (got !== undefined) out.push(`${field}: expected absent, got ${show(got)}`);
    return;
  }
  if (got === undefined || got === '') {
    out.push(`${field}: expected a value, got ${got === undefined ? '(absent)' : '""'}`);
    return;
  }
  if (!want.same_across_retries || !sticky) return;
  const key = name.toLowerCase();
  const before = sticky.get(key);
  if (before === undefined) sticky.set(key, got);
  else if (before !== got) out.push(`${field}: expected the same value on every attempt, ${show(before)} before, now ${show(got)}`);
}

const isSticky = (v: ExpectedQueryParam): v is { same_across_retries: true } => isPresence(v) && 'same_across_retries' in v;

/** Query parameters, with a `same_across_retries` one held to the value it first had in the case. */
function compareQuery(expected: Record<string, ExpectedQueryParam>, actual: Record<string, string | string[]>, sticky: StickyHeaders | undefined, out: string[]): void {
  const plain: Record<string, ExpectedParam> = {};
  for (const [name, want] of Object.entries(expected)) {
    if (!isSticky(want)) {
      plain[name] = want;
      continue;
    }
    // Presence is compareParams' job; only a single value can be held to the first one.
    plain[name] = { present: true };
    const got = actual[name];
    if (Array.isArray(got)) {
      out.push(`query.${name}: expected one value (a key), got ${show(got)}`);
      continue;
    }
    if (got === undefined || got === '' || !sticky) continue;
    const before = sticky.get(`?${name}`);
    if (before === undefined) sticky.set(`?${name}`, got);
    else if (before !== got) out.push(`query.${name}: expected the same value on every attempt, ${show(before)} before, now ${show(got)}`);
  }
  out.push(...compareParams(plain, actual, 'query'));
}

/**
 * Every way `actual` differs from `expected`, one readable line per field; empty when it
 * matches. An omitted `query` means no query string: a parameter nobody expected is a bug.
 */
export function matchRequest(expected: ExpectedRequest, actual: ActualRequest, sticky?: StickyHeaders): string[] {
  const out: string[] = [];
  if (expected.method.toUpperCase() !== actual.method.toUpperCase()) out.push(`method: expected ${expected.method}, got ${actual.method}`);
  if (expected.path !== actual.path) out.push(`path: expected ${show(expected.path)}, got ${show(actual.path)}`);
  compareQuery(expected.query ?? {}, flatPairs(actual.rawQuery), sticky, out);
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    const got = actual.headers[name.toLowerCase()];
    const gotText = Array.isArray(got) ? got.join(', ') : got;
    if (value === null) {
      if (gotText !== undefined) out.push(`headers.${name}: expected absent, got ${show(gotText)}`);
    } else if (typeof value === 'object') {
      checkPresence(name, value, gotText, sticky, out);
    } else if (gotText !== value) {
      out.push(`headers.${name}: expected ${show(value)}, got ${show(gotText)}`);
    }
  }
  if (expected.form !== undefined) {
    if (!isForm(actual.headers)) out.push(`form: expected a form-encoded body, got content-type ${show(actual.headers['content-type'])}`);
    else out.push(...compareParams(expected.form, flatPairs(actual.body), 'form'));
  }
  if (expected.body !== undefined) {
    const parsed = parseBody(actual);
    if (!parsed.ok) out.push(`body: ${parsed.reason}`);
    else if (parsed.value === undefined) out.push(`body: expected ${show(expected.body)}, got no body`);
    else if (isForm(actual.headers)) diff(stringLeaves(expected.body), parsed.value, 'body', out);
    else diff(expected.body, parsed.value, 'body', out);
  }
  return out;
}

export function describeRequest(req: ActualRequest): string {
  return `${req.method} ${req.path}${req.rawQuery ? `?${req.rawQuery}` : ''}`;
}

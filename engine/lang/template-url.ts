/**
 * Where a template value lands in a URL decides how it is encoded. A `path:` or `url:`
 * template is rendered in two passes: Handlebars writes a marker for every `{{…}}` (the
 * value kept aside), then the markers are replaced left to right, each encoded for the part
 * of the URL the text before it has reached:
 *
 * - nothing before it, in a `url:` template: the value *is* the URL (a next-page link, a
 *   `{{config.api_url}}` base) and is inserted as it is;
 * - in the scheme or host of a `url:` (`https://{{config.shop}}.example.com`): as it is, the
 *   same as base_url templates;
 * - in the path: one path segment, so `/`, `?`, `#` are percent-encoded and cannot add a
 *   segment, a query or a fragment; a `.`/`..` or empty value is refused (URL parsers
 *   resolve even `%2E%2E`, and an empty segment reaches another endpoint);
 * - after `?` (the query) or `#` (the fragment, which is never sent): one query component,
 *   so `&`, `=`, `+`, `%` and `#` are encoded and a value can never start another parameter.
 *
 * The position is decided on the rendered text, not the template source, so a `{{#if}}`
 * adding a `?`, or a raw value holding one, moves later values into the query.
 *
 * "Raw" values are inserted as they are wherever they land: the triple-stash `{{{x}}}` (the
 * manifest says the value is already encoded for its place) and `{{urlencode x}}` (which
 * encodes it itself; encoding again would double it).
 */
import { ConnectorError } from '../core/errors.js';

export interface Slot {
  value: unknown;
  raw: boolean;
  /** The expression as written, for error messages (never the value). */
  name: string;
}

export type UrlKind = 'path' | 'url';
type Place = 'url' | 'authority' | 'path' | 'query' | 'fragment';

/** Private-use characters: literal template text holding them is percent-encoded up front. */
export const MARK_OPEN = '\uE000';
export const MARK_CLOSE = '\uE001';
const MARK = /\uE000(\d+)\uE001/g;

export function marker(index: number): string {
  return `${MARK_OPEN}${index}${MARK_CLOSE}`;
}

/** Literal URL text cannot hold the marker characters; as URL text they would be sent percent-encoded anyway. */
export function escapeMarkers(text: string): string {
  return text.replace(/[\uE000\uE001]/g, (c) => encodeURIComponent(c));
}

const SCHEME_AND_HOST = /^[a-z][a-z\d+.-]*:(\/\/[^/?#]*)?$/i;

function placeOf(before: string, kind: UrlKind): Place {
  if (before.includes('#')) return 'fragment';
  if (before.includes('?')) return 'query';
  if (kind === 'url') {
    if (before === '') return 'url';
    if (SCHEME_AND_HOST.test(before)) return 'authority';
  }
  return 'path';
}

/** encodeURIComponent throws on a lone surrogate; send it as U+FFFD, as URL parsers do. */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function encodeFor(slot: Slot, place: Place): string {
  const s = slot.value === undefined || slot.value === null ? '' : String(slot.value);
  if (place === 'url' || place === 'authority') return s;
  if (place === 'path') {
    if (s === '') {
      throw new ConnectorError({ kind: 'validation', origin: 'caller', message: `URL path variable ${slot.name} is missing or empty` });
    }
    if (slot.raw) return s;
    if (s === '.' || s === '..') {
      throw new ConnectorError({ kind: 'validation', origin: 'caller', message: `URL path variable ${slot.name} may not be "${s}"` });
    }
  }
  return slot.raw ? s : encodeURIComponent(wellFormed(s));
}

/** Replace each marker in `marked` with its slot's value, encoded for where it lands. */
export function placeValues(marked: string, slots: readonly Slot[], kind: UrlKind): string {
  let out = '';
  let last = 0;
  for (const m of marked.matchAll(MARK)) {
    out += marked.slice(last, m.index);
    out += encodeFor(slots[Number(m[1])], placeOf(out, kind));
    last = m.index! + m[0].length;
  }
  return out + marked.slice(last);
}

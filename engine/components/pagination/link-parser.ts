/**
 * RFC 8288 `Link` header parsing. Written as a scanner rather than a split on `,` and `;`
 * because both may legally appear inside `<…>` URIs and quoted parameter values.
 */

export interface LinkValue {
  /** The target as written (may be relative). */
  uri: string;
  /** Relation types, lower-cased; `rel="next last"` gives two. */
  rel: string[];
  /** Parameters by lower-cased name; the first occurrence wins, as the RFC asks. */
  params: Record<string, string>;
}

const WS = new Set([' ', '\t', '\r', '\n']);

class Scanner {
  pos = 0;
  constructor(readonly s: string) {}
  get done(): boolean { return this.pos >= this.s.length; }
  peek(): string { return this.s[this.pos] ?? ''; }
  skipWs(): void { while (!this.done && WS.has(this.peek())) this.pos++; }
  /** A bare token, up to one of `stops` or whitespace. */
  token(stops: string): string {
    const start = this.pos;
    while (!this.done && !stops.includes(this.peek()) && !WS.has(this.peek())) this.pos++;
    return this.s.slice(start, this.pos);
  }
  quoted(): string {
    this.pos++; // opening quote
    let out = '';
    while (!this.done && this.peek() !== '"') {
      if (this.peek() === '\\' && this.pos + 1 < this.s.length) this.pos++;
      out += this.s[this.pos++];
    }
    this.pos++; // closing quote (or end of input)
    return out;
  }
  /** Skip past the next top-level comma, for recovery from a malformed link-value. */
  skipToComma(): void {
    while (!this.done && this.peek() !== ',') {
      if (this.peek() === '"') this.quoted();
      else if (this.peek() === '<') { const end = this.s.indexOf('>', this.pos); this.pos = end < 0 ? this.s.length : end + 1; }
      else this.pos++;
    }
  }
}

function parseParams(sc: Scanner): Record<string, string> {
  const params: Record<string, string> = {};
  for (;;) {
    sc.skipWs();
    if (sc.peek() !== ';') return params;
    sc.pos++;
    sc.skipWs();
    const name = sc.token('=;,').toLowerCase();
    sc.skipWs();
    let value = '';
    if (sc.peek() === '=') {
      sc.pos++;
      sc.skipWs();
      value = sc.peek() === '"' ? sc.quoted() : sc.token(';,');
    }
    if (name && !(name in params)) params[name] = value;
  }
}

export function parseLinkHeader(header: string | string[] | undefined): LinkValue[] {
  if (header === undefined) return [];
  // Several Link header lines mean the same as one joined by commas.
  const sc = new Scanner(Array.isArray(header) ? header.join(', ') : header);
  const links: LinkValue[] = [];
  while (!sc.done) {
    sc.skipWs();
    if (sc.peek() === ',') { sc.pos++; continue; }
    if (sc.done) break;
    if (sc.peek() !== '<') { sc.skipToComma(); continue; }
    const end = sc.s.indexOf('>', sc.pos);
    if (end < 0) break;
    const uri = sc.s.slice(sc.pos + 1, end).trim();
    sc.pos = end + 1;
    const params = parseParams(sc);
    const rel = (params.rel ?? '').split(/\s+/).filter(Boolean).map((r) => r.toLowerCase());
    links.push({ uri, rel, params });
    sc.skipWs();
    if (!sc.done && sc.peek() !== ',') sc.skipToComma();
  }
  return links;
}

/** The URI of the first link carrying relation `rel`, if any. */
export function findLink(header: string | string[] | undefined, rel: string): string | undefined {
  const want = rel.toLowerCase();
  return parseLinkHeader(header).find((l) => l.rel.includes(want))?.uri;
}

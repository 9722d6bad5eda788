/**
 * A small parser for JavaScript regular expressions, only as deep as the safety analysis
 * (./prove.ts) needs: which characters each atom can consume, where the quantifiers are and
 * what they repeat. Anything it does not model (`\p{…}`, the `v` flag, named references)
 * throws `NotModelled`, and the caller falls back to the full analyser (recheck).
 *
 * Character sets may be larger than the truth (case folding is widened, for one); the
 * analysis only ever asks whether two sets are disjoint, so a larger set is conservative.
 */

/** Sorted, non-overlapping inclusive code point ranges. */
export type CharSet = ReadonlyArray<readonly [number, number]>;

export type RNode =
  | { t: 'char'; set: CharSet }
  | { t: 'assert'; kind: '^' | '$' | 'b' | 'B' }
  | { t: 'look'; behind: boolean; negative: boolean; body: RNode }
  | { t: 'group'; body: RNode }
  | { t: 'alt'; branches: RNode[][] }
  | { t: 'backref' }
  | { t: 'quant'; min: number; max: number; body: RNode; at: number; end: number };

export class NotModelled extends Error {}

const LINE: CharSet = [[10, 10], [13, 13], [0x2028, 0x2029]];
const DIGIT: CharSet = [[48, 57]];
const WORD: CharSet = [[48, 57], [65, 90], [95, 95], [97, 122]];
const SPACE: CharSet = [[9, 13], [32, 32], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff]];
const ASCII_LETTERS: CharSet = [[65, 90], [97, 122]];

export function union(...sets: CharSet[]): CharSet {
  const all = sets.flat().map((r) => [r[0], r[1]] as [number, number]).sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const r of all) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push(r);
  }
  return out;
}

export function intersects(a: CharSet, b: CharSet): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i][1] < b[j][0]) i++;
    else if (b[j][1] < a[i][0]) j++;
    else return true;
  }
  return false;
}

function complement(set: CharSet, max: number): CharSet {
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [lo, hi] of union(set)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= max) out.push([next, max]);
  return out;
}

export interface ParsedRegex {
  node: RNode;
  flags: string;
}

/** Parses `source` as `new RegExp(source, flags)` would; throws NotModelled for what it does not model. */
export function parseRegex(source: string, flags: string): ParsedRegex {
  if (flags.includes('v')) throw new NotModelled('the v flag');
  const unicode = flags.includes('u');
  const max = unicode ? 0x10ffff : 0xffff;
  const fold = flags.includes('i');
  const dotAll = flags.includes('s');
  let i = 0;

  // Case-insensitive matching folds letters, some into non-ASCII ones (K and U+212A): any set
  // touching a letter is widened to every letter case and everything non-ASCII.
  const wide = (set: CharSet): CharSet => {
    if (!fold || !intersects(set, union(ASCII_LETTERS, [[0x80, max]]))) return set;
    return union(set, ASCII_LETTERS, [[0x80, max]]);
  };
  const one = (c: number): CharSet => [[c, c]];
  const peek = () => source[i];
  const codePointAt = (): number => {
    const c = unicode ? source.codePointAt(i)! : source.charCodeAt(i);
    i += c > 0xffff ? 2 : 1;
    return c;
  };
  const hex = (n: number): number => {
    const h = source.slice(i, i + n);
    if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h)) throw new NotModelled('an incomplete hex escape');
    i += n;
    return parseInt(h, 16);
  };

  /** An escape after `\`; a set, or an assertion/backreference outside classes. */
  const escape = (inClass: boolean): CharSet | RNode => {
    const c = source[i++];
    if (c === undefined) throw new NotModelled('a trailing backslash');
    switch (c) {
      case 'd': return DIGIT;
      case 'D': return complement(DIGIT, max);
      case 'w': return WORD;
      case 'W': return complement(WORD, max);
      case 's': return SPACE;
      case 'S': return complement(SPACE, max);
      case 'n': return one(10);
      case 'r': return one(13);
      case 't': return one(9);
      case 'v': return one(11);
      case 'f': return one(12);
      case 'x': return one(hex(2));
      case 'c': {
        const l = source[i];
        if (l && /[A-Za-z]/.test(l)) { i++; return one(l.charCodeAt(0) % 32); }
        throw new NotModelled('a \\c escape');
      }
      case 'u': {
        if (unicode && source[i] === '{') {
          const close = source.indexOf('}', i);
          if (close < 0) throw new NotModelled('an unclosed \\u{');
          const v = parseInt(source.slice(i + 1, close), 16);
          i = close + 1;
          return one(v);
        }
        return one(hex(4));
      }
      case 'b': return inClass ? one(8) : { t: 'assert', kind: 'b' };
      case 'B': if (!inClass) return { t: 'assert', kind: 'B' }; break;
      case 'p': case 'P': case 'k': if (unicode || c === 'k') throw new NotModelled(`\\${c}`); break;
      default:
        if (c === '0' && !/[0-9]/.test(source[i] ?? '')) return one(0);
        if (/[0-9]/.test(c)) {
          if (inClass) throw new NotModelled('an octal escape');
          while (/[0-9]/.test(source[i] ?? '')) i++;
          return { t: 'backref' };
        }
    }
    i--;
    return one(codePointAt());
  };

  const charClass = (): CharSet => {
    let negate = false;
    if (peek() === '^') { negate = true; i++; }
    const parts: CharSet[] = [];
    while (i < source.length && peek() !== ']') {
      const lo = classAtom();
      if (peek() === '-' && source[i + 1] !== ']' && i + 1 < source.length) {
        i++;
        const hi = classAtom();
        if (lo.length === 1 && hi.length === 1 && lo[0][0] === lo[0][1] && hi[0][0] === hi[0][1]) {
          parts.push([[lo[0][0], hi[0][0]]]);
          continue;
        }
        parts.push(lo, one(45), hi); // Annex B: a class escape in a range is a union
        continue;
      }
      parts.push(lo);
    }
    if (peek() !== ']') throw new NotModelled('an unclosed class');
    i++;
    const set = union(...parts);
    return wide(negate ? complement(set, max) : set);
  };
  const classAtom = (): CharSet => {
    if (peek() === '\\') {
      i++;
      const e = escape(true);
      if (!Array.isArray(e)) throw new NotModelled('an assertion in a class');
      return e as CharSet;
    }
    return one(codePointAt());
  };

  const quantifier = (): { min: number; max: number } | undefined => {
    const c = peek();
    if (c === '*') { i++; return { min: 0, max: Infinity }; }
    if (c === '+') { i++; return { min: 1, max: Infinity }; }
    if (c === '?') { i++; return { min: 0, max: 1 }; }
    if (c === '{') {
      const m = /^\{([0-9]+)(,([0-9]*))?\}/.exec(source.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      const lo = Number(m[1]);
      return { min: lo, max: m[2] === undefined ? lo : m[3] === '' ? Infinity : Number(m[3]) };
    }
    return undefined;
  };

  const atom = (): RNode => {
    const c = source[i];
    if (c === '^' || c === '$') { i++; return { t: 'assert', kind: c }; }
    if (c === '.') { i++; return { t: 'char', set: wide(dotAll ? [[0, max]] : complement(LINE, max)) }; }
    if (c === '[') { i++; return { t: 'char', set: charClass() }; }
    if (c === '\\') {
      i++;
      const e = escape(false);
      return Array.isArray(e) ? { t: 'char', set: wide(e as CharSet) } : (e as RNode);
    }
    if (c === '(') {
      i++;
      const look = /^\?(<?)([=!])/.exec(source.slice(i));
      if (look) {
        i += look[0].length;
        const body = alternation();
        close();
        return { t: 'look', behind: look[1] === '<', negative: look[2] === '!', body };
      }
      if (source.startsWith('?:', i)) i += 2;
      else if (source[i] === '?') {
        const named = /^\?<[A-Za-z_$][A-Za-z0-9_$]*>/.exec(source.slice(i));
        if (!named) throw new NotModelled('a group modifier');
        i += named[0].length;
      }
      const body = alternation();
      close();
      return { t: 'group', body };
    }
    if (c === ')' || c === '*' || c === '+' || c === '?' || c === '|') throw new NotModelled(`a stray ${c}`);
    return { t: 'char', set: wide(one(codePointAt())) };
  };
  const close = () => {
    if (source[i] !== ')') throw new NotModelled('an unclosed group');
    i++;
  };

  const sequence = (): RNode[] => {
    const items: RNode[] = [];
    while (i < source.length && peek() !== '|' && peek() !== ')') {
      const at = i;
      let node = atom();
      const q = quantifier();
      if (q) {
        if (q.min > q.max) throw new NotModelled('a quantifier out of order');
        if (peek() === '?') i++; // lazy: the same choices, tried in the other order
        node = { t: 'quant', min: q.min, max: q.max, body: node, at, end: i };
      }
      items.push(node);
    }
    return items;
  };
  const alternation = (): RNode => {
    const branches = [sequence()];
    while (peek() === '|') { i++; branches.push(sequence()); }
    return { t: 'alt', branches };
  };

  const node = alternation();
  if (i !== source.length) throw new NotModelled('text after the end');
  return { node, flags };
}

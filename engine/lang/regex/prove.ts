/**
 * Cheap, structural answers about a regex's worst case on a backtracking engine (V8's),
 * before the full analyser (recheck) is asked. Two answers are certain enough to act on:
 *
 * - **linear**: the regex is star-free (only fixed repetitions of single characters, few
 *   alternatives), or *deterministic* — at every choice (an alternative, one more
 *   repetition or stop) the next input character decides which way, because the choices'
 *   first characters are disjoint. A deterministic regex tried at one start position
 *   consumes each character along one path and every other choice dies at its first
 *   character, so one attempt is O(n·m). It must also not be retried at O(n) start
 *   positions over the same text: it is anchored with `^` (no `m` flag), or it opens with
 *   a character (or `^`) that nothing after the opening can consume, so attempts from
 *   different starts read disjoint text.
 * - **nested**: a repetition (`*`, `+`, `{n,}`, `{n,m}` with m > 1) of something that itself
 *   repeats a variable number of times, `(a+)+` and kin: the classic exponential shape.
 *
 * Everything else is "unproven" and goes to recheck.
 */
import { intersects, union, type CharSet, type RNode } from './parse.js';

export type Shape =
  | { kind: 'linear'; why: 'star-free' | 'deterministic' }
  | { kind: 'nested'; at: number; end: number }
  | { kind: 'unproven' };

const EMPTY: CharSet = [];
/** Star-free alternatives multiply the attempts per start position; a few are harmless. */
const MAX_STAR_FREE_BARS = 8;

class Unproven extends Error {}

function nullable(n: RNode): boolean {
  switch (n.t) {
    case 'char': return false;
    case 'assert': case 'look': return true;
    case 'group': return nullable(n.body);
    case 'alt': return n.branches.some((b) => b.every(nullable));
    case 'backref': return true;
    case 'quant': return n.min === 0 || nullable(n.body);
  }
}

/** Characters the node can consume first (a superset). Zero-width nodes are transparent. */
function first(n: RNode): CharSet {
  switch (n.t) {
    case 'char': return n.set;
    case 'assert': case 'look': case 'backref': return EMPTY;
    case 'group': return first(n.body);
    case 'alt': return union(...n.branches.map((b) => firstOfSeq(b, EMPTY)));
    case 'quant': return n.max === 0 ? EMPTY : first(n.body);
  }
}

function firstOfSeq(items: readonly RNode[], follow: CharSet): CharSet {
  const parts: CharSet[] = [];
  for (const it of items) {
    parts.push(first(it));
    if (!nullable(it)) return union(...parts);
  }
  return union(...parts, follow);
}

const isVariable = (n: RNode) => n.t === 'quant' && n.min < n.max;

function walk(n: RNode, fn: (n: RNode) => void): void {
  fn(n);
  if (n.t === 'group' || n.t === 'look' || n.t === 'quant') walk(n.body, fn);
  else if (n.t === 'alt') for (const b of n.branches) for (const it of b) walk(it, fn);
}

function some(n: RNode, pred: (n: RNode) => boolean): boolean {
  let hit = false;
  walk(n, (x) => { if (pred(x)) hit = true; });
  return hit;
}

/** Throws Unproven unless every choice in `n`, followed by `follow`, is decided by one character. */
function deterministic(n: RNode, follow: CharSet): void {
  switch (n.t) {
    case 'char': case 'assert': return;
    case 'backref': throw new Unproven();
    case 'look':
      if (some(n.body, isVariable) || some(n.body, (x) => x.t === 'backref')) throw new Unproven();
      return;
    case 'group': return deterministic(n.body, follow);
    case 'alt': {
      if (diverging(n.branches)) return;
      const firsts = n.branches.map((b) => firstOfSeq(b, follow));
      if (n.branches.filter((b) => b.every(nullable)).length > 1) throw new Unproven();
      for (let a = 0; a < firsts.length; a++) for (let b = a + 1; b < firsts.length; b++) if (intersects(firsts[a], firsts[b])) throw new Unproven();
      for (const b of n.branches) seq(b, follow);
      return;
    }
    case 'quant': {
      if (n.max === 0) return;
      const again = n.max > 1 ? first(n.body) : EMPTY;
      if (n.min < n.max) {
        if (nullable(n.body) || intersects(first(n.body), follow)) throw new Unproven();
      }
      return deterministic(n.body, union(again, follow));
    }
  }
}

/**
 * Alternatives of fixed strings that differ at some position before either ends
 * (`public_channel|private_channel|im`): at most one can match any text, and each other one
 * fails within its own length, so the choice is decided by bounded lookahead.
 */
function diverging(branches: readonly RNode[][]): boolean {
  const sets = branches.map((b) => (b.length > 0 && b.every((x) => x.t === 'char') ? b.map((x) => (x as { set: CharSet }).set) : undefined));
  if (sets.some((s) => s === undefined)) return false;
  const all = sets as CharSet[][];
  for (let a = 0; a < all.length; a++) {
    for (let b = a + 1; b < all.length; b++) {
      const len = Math.min(all[a].length, all[b].length);
      let apart = false;
      for (let k = 0; k < len && !apart; k++) apart = !intersects(all[a][k], all[b][k]);
      if (!apart) return false;
    }
  }
  return true;
}

function seq(items: readonly RNode[], follow: CharSet): void {
  items.forEach((it, k) => deterministic(it, firstOfSeq(items.slice(k + 1), follow)));
}

const anchor = (n: RNode | undefined, multiline: boolean) => n?.t === 'assert' && n.kind === '^' && !multiline;

/** Attempts from different start positions cannot overlap (see the file comment). */
function startsOnce(root: RNode & { t: 'alt' }, multiline: boolean): boolean {
  if (root.branches.every((b) => anchor(b[0], multiline))) return true;
  if (root.branches.length !== 1) return false;
  const [head, ...rest] = root.branches[0];
  let opening: CharSet;
  if (head?.t === 'char') opening = head.set;
  else if (head?.t === 'group' && head.body.t === 'alt' && head.body.branches.every((b) => b.length === 1 && (b[0].t === 'char' || anchor(b[0], multiline)))) {
    opening = union(...head.body.branches.map((b) => (b[0].t === 'char' ? b[0].set : EMPTY)));
  } else return false;
  const later: CharSet[] = [];
  for (const it of rest) walk(it, (x) => { if (x.t === 'char') later.push(x.set); });
  return !intersects(opening, union(...later));
}

function starFree(root: RNode): boolean {
  let bars = 0;
  let ok = true;
  walk(root, (x) => {
    if (x.t === 'alt') bars += x.branches.length - 1;
    if (x.t === 'backref') ok = false;
    if (x.t === 'quant' && (x.min !== x.max || x.body.t !== 'char')) ok = false;
  });
  return ok && bars <= MAX_STAR_FREE_BARS;
}

function nestedAt(root: RNode): { at: number; end: number } | undefined {
  let found: { at: number; end: number } | undefined;
  walk(root, (x) => {
    if (found || x.t !== 'quant' || x.max <= 1) return;
    if (some(x.body, isVariable)) found = { at: x.at, end: x.end };
  });
  return found;
}

export function regexShape(root: RNode, flags: string): Shape {
  if (starFree(root)) return { kind: 'linear', why: 'star-free' };
  if (root.t === 'alt') {
    try {
      deterministic(root, EMPTY);
      if (startsOnce(root, flags.includes('m'))) return { kind: 'linear', why: 'deterministic' };
    } catch (err) {
      if (!(err instanceof Unproven)) throw err;
    }
  }
  const nested = nestedAt(root);
  return nested ? { kind: 'nested', ...nested } : { kind: 'unproven' };
}

/**
 * Maps manifest paths to file positions through the YAML AST, so a diagnostic found on the
 * plain JS value (by Ajv or a semantic check) still points at the line that caused it.
 * Aliases resolve to their anchor and `<<` merge keys are searched, because that is where
 * the offending text really is.
 */
import type { Alias, Document, LineCounter, Node, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { Path } from './diagnostics.js';
import { yamlLib } from './yaml-lib.js';

export interface Position {
  line: number;
  column: number;
}

export type Which = 'key' | 'value';

/** Alternative paths to try when a path is not in the text (e.g. a field merged in by `extends`). */
export type Redirect = (path: Path) => Path[];

interface Walk {
  /** How many path segments were found. */
  depth: number;
  node: Node | null;
  pair?: Pair;
}

const MAX_MERGE_DEPTH = 16;

// The library's node guards, through its lazy loader: an AST exists only once it is loaded.
const isAlias = (n: unknown): n is Alias => yamlLib().isAlias(n);
const isMap = (n: unknown): n is YAMLMap => yamlLib().isMap(n);
const isSeq = (n: unknown): n is YAMLSeq => yamlLib().isSeq(n);
const isPair = (n: unknown): n is Pair => yamlLib().isPair(n);
const isScalar = (n: unknown): n is Scalar => yamlLib().isScalar(n);

/** The YAML AST and line table positions are read from. */
export interface Parsed {
  doc: Document;
  lines: LineCounter;
}

export class Positions {
  private redirects: Redirect[] = [];
  private parsedTree?: Parsed;

  /**
   * `parse` runs at most once, on the first question: a manifest read without the AST (the
   * fast path in load.ts) pays for it only when a diagnostic or the compiler needs a place.
   */
  constructor(
    private readonly source: string,
    private readonly parse: () => Parsed,
  ) {}

  private get doc(): Document {
    this.parsedTree ??= this.parse();
    return this.parsedTree.doc;
  }

  private get lines(): LineCounter {
    this.parsedTree ??= this.parse();
    return this.parsedTree.lines;
  }

  addRedirect(r: Redirect): void {
    this.redirects.push(r);
  }

  /** Position of the key (`which: 'key'`) or the value at `path`, or of its nearest existing ancestor. */
  locate(path: Path, which: Which = 'value'): Position {
    const best = this.find(path);
    const fullyFound = best.depth === best.length;
    // A missing leaf is reported at its parent's key: that is the line the author must edit.
    const useKey = which === 'key' || !fullyFound;
    const keyNode = best.pair?.key as Node | null | undefined;
    const offset = useKey && keyNode?.range
      ? keyNode.range[0]
      : best.node?.range
        ? best.node.range[0]
        : keyNode?.range?.[0] ?? this.rootOffset();
    return this.at(offset);
  }

  /** The raw text and start offset of a scalar value, for pointing inside it. */
  scalarText(path: Path): { text: string; offset: number; type?: string } | undefined {
    const w = this.find(path);
    if (w.depth !== w.length || !w.node || !isScalar(w.node) || !w.node.range) return undefined;
    const [start, end] = w.node.range;
    return { text: this.source.slice(start, end), offset: start, type: w.node.type };
  }

  /** Walks `path`, or the first redirect that is fully in the text. */
  private find(path: Path): Walk & { length: number } {
    const direct = this.walk(path);
    if (direct.depth === path.length) return { ...direct, length: path.length };
    for (const redirect of this.redirects) {
      for (const alt of redirect(path)) {
        const w = this.walk(alt);
        if (w.depth === alt.length) return { ...w, length: alt.length };
      }
    }
    return { ...direct, length: path.length };
  }

  at(offset: number): Position {
    const { line, col } = this.lines.linePos(Math.max(0, Math.min(offset, this.source.length)));
    return { line: Math.max(1, line), column: Math.max(1, col) };
  }

  private rootOffset(): number {
    return this.doc.contents?.range?.[0] ?? 0;
  }

  private resolve(node: unknown): Node | null {
    let n = node as Node | null;
    for (let i = 0; i < MAX_MERGE_DEPTH && n && isAlias(n); i++) n = (n.resolve(this.doc) as Node | undefined) ?? null;
    return n ?? null;
  }

  private walk(path: Path): Walk {
    let node = this.resolve(this.doc.contents);
    let pair: Pair | undefined;
    let depth = 0;
    for (const seg of path) {
      if (isMap(node)) {
        const found = this.findPair(node, String(seg), 0);
        if (!found) break;
        pair = found;
        node = this.resolve(found.value) ?? null;
      } else if (isSeq(node)) {
        const idx = typeof seg === 'number' ? seg : Number(seg);
        const item = Number.isInteger(idx) ? node.items[idx] : undefined;
        if (item === undefined) break;
        pair = undefined;
        node = this.resolve(item);
      } else {
        break;
      }
      depth++;
    }
    return { depth, node, pair };
  }

  private findPair(map: Node, key: string, level: number): Pair | undefined {
    if (!isMap(map) || level > MAX_MERGE_DEPTH) return undefined;
    const items = map.items as Pair[];
    for (const p of items) {
      if (isPair(p) && !isMergeKey(p.key) && keyText(p.key) === key) return p;
    }
    // Later merge sources lose to earlier ones, matching YAML's merge semantics.
    for (const p of items) {
      if (!isPair(p) || !isMergeKey(p.key)) continue;
      const v = this.resolve(p.value);
      const sources = isSeq(v) ? v.items.map((i) => this.resolve(i)) : [v];
      for (const s of sources) {
        const hit = s && this.findPair(s, key, level + 1);
        if (hit) return hit;
      }
    }
    return undefined;
  }
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (typeof key.value === 'symbol' || (key.value === '<<' && key.type === 'PLAIN'));
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  if (key === null || key === undefined) return undefined;
  return typeof key === 'object' ? undefined : String(key);
}

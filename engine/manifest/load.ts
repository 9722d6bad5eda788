/**
 * YAML → plain value, keeping the way back to the text so every later diagnostic can be
 * placed. Duplicate keys are errors here, not silently last-wins, because a duplicated
 * `path:` in a manifest is almost always a paste mistake that would otherwise ship.
 *
 * The `yaml` library is the only YAML parser: a second, faster reader was measured and
 * dropped, because the validation targets hold without it and two parsers that must agree
 * on every scalar are a standing risk in the one place every manifest passes through.
 */
import type { YAMLError } from 'yaml';
import type { Diagnostic } from './diagnostics.js';
import { Positions, type Parsed } from './positions.js';
import { yamlLib } from './yaml-lib.js';

export interface Loaded {
  file: string;
  source: string;
  /** The document as plain JS; undefined when the YAML could not be read. */
  value: unknown;
  positions: Positions;
  diagnostics: Diagnostic[];
}

export interface LoadOptions {
  /** Kept for callers that say positions will be needed; the library always keeps them. */
  positionsNeeded?: boolean;
}

/** Guards against alias bombs ("billion laughs") without limiting honest reuse. */
const MAX_ALIAS_COUNT = 1000;

function parse(source: string): Parsed {
  const { LineCounter, parseDocument } = yamlLib();
  const lines = new LineCounter();
  const doc = parseDocument(source, {
    lineCounter: lines,
    uniqueKeys: true,
    merge: true,
    prettyErrors: false,
  });
  return { doc, lines };
}

export function loadYaml(source: string, file: string, _options: LoadOptions = {}): Loaded {
  const parsed = parse(source);
  const { doc } = parsed;
  const positions = new Positions(source, () => parsed);
  const diagnostics: Diagnostic[] = [];
  const report = (e: YAMLError, severity: 'error' | 'warning') => {
    const { line, column } = positions.at(e.pos?.[0] ?? 0);
    const duplicate = e.code === 'DUPLICATE_KEY';
    const keyText = duplicate ? duplicateKeyText(parsed, source, e.pos[0]) : '';
    diagnostics.push({
      file,
      line,
      column,
      severity,
      code: duplicate ? 'duplicate-key' : 'yaml-syntax',
      message: duplicate
        ? `duplicate key${keyText ? ` \`${keyText.slice(0, 60)}\`` : ''}: a mapping may define each key once`
        : firstLine(e.message),
      ...(duplicate ? { hint: 'remove one of the two, or merge their contents' } : {}),
    });
  };
  for (const e of doc.errors) report(e, 'error');
  for (const w of doc.warnings) report(w, 'warning');

  let value: unknown;
  // Only duplicate keys leave a document whose meaning is still clear enough to validate on.
  const fatal = doc.errors.some((e) => e.code !== 'DUPLICATE_KEY');
  if (!fatal) {
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      diagnostics.push({ file, line: 1, column: 1, severity: 'error', code: 'yaml-syntax', message: firstLine(String((err as Error)?.message ?? err)) });
      value = undefined;
    }
  }
  return { file, source, value, positions, diagnostics };
}

/** The library's error spans only the key's first character; the key node has the whole key. */
function duplicateKeyText(parsed: Parsed, source: string, start: number): string {
  const { isScalar, visit } = yamlLib();
  let text = '';
  visit(parsed.doc, {
    Pair(_, pair) {
      const key = pair.key as { range?: [number, number, number] } | null;
      if (!key?.range || key.range[0] !== start) return undefined;
      text = isScalar(pair.key) ? String(pair.key.value) : source.slice(key.range[0], key.range[1]).trim();
      return visit.BREAK;
    },
  });
  return text || source.slice(start, start + 1);
}

function firstLine(s: string): string {
  const line = s.split('\n')[0]?.trim() ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}…` : line;
}

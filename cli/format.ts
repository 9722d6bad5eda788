/**
 * Plain-text output helpers shared by commands: diagnostics in the `file:line:col` form that
 * editors and terminals turn into links, counts with the right plural, aligned tables.
 */
import type { Diagnostic } from '../engine/index.js';
import { displayPath } from './context.js';

export interface DiagnosticJson {
  file: string;
  line: number;
  column: number;
  severity: 'error' | 'warning';
  code: string;
  message: string;
  hint?: string;
  path?: string;
}

export function toJson(d: Diagnostic): DiagnosticJson {
  const out: DiagnosticJson = {
    file: displayPath(d.file),
    line: d.line,
    column: d.column,
    severity: d.severity,
    code: d.code,
    message: d.message,
  };
  if (d.hint !== undefined) out.hint = d.hint;
  if (d.path !== undefined) out.path = d.path;
  return out;
}

export function formatDiagnostic(d: Diagnostic): string {
  const head = `${displayPath(d.file)}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.message}`;
  return d.hint ? `${head}\n  hint: ${d.hint}` : head;
}

/** In file order, top to bottom, the way a reader fixes them. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Left-aligned columns separated by two spaces. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

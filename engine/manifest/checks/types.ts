/**
 * The contract of a semantic check: a small function over the schema-shaped manifest that
 * reports through the context. Checks run even when the schema found errors (authors want
 * every problem at once), so each must tolerate any shape and only act on what fits.
 */
import type { Diagnostic, Path, Severity } from '../diagnostics.js';
import type { Field } from '../fields.js';
import type { Position, Positions, Which } from '../positions.js';

export interface Report {
  path: Path;
  code: string;
  message: string;
  hint?: string;
  severity?: Severity;
  /** Key or value position; default value. */
  which?: Which;
  /** Exact position when the check knows better (inside a string). */
  at?: Position;
}

export interface CheckContext {
  file: string;
  manifest: Record<string, unknown>;
  positions: Positions;
  /** Template and JSONata fields, computed once for all checks. */
  readonly fields: Field[];
  /** Diagnostics from YAML and schema validation, to avoid reporting a problem twice. */
  readonly earlier: readonly Diagnostic[];
  report(r: Report): void;
}

export interface Check {
  name: string;
  run(ctx: CheckContext): void;
}

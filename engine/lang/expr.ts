/**
 * JSONata, compiled once and evaluated in a sandbox. Manifests are data written by people
 * who are not us, so every evaluation is bounded in time and recursion depth: a runaway
 * expression fails with a `mapping` error naming the manifest line instead of hanging a sync.
 */
import jsonata from 'jsonata';
import { ConnectorError } from '../core/errors.js';
import { compileFast } from './expr-fast/index.js';
import { exprHazards, type ExprHazard } from './regex/jsonata.js';
import { PATCHBAY_FUNCTIONS } from './money.js';

export interface ExprLocation {
  file?: string;
  line?: number;
  column?: number;
  /** Manifest path of the field, e.g. `streams.issues.mapping`. */
  path?: string;
}

export interface ExprLimits {
  /** Wall-clock budget for one evaluation; default 1000 ms. */
  timeoutMs?: number;
  /** Deepest evaluation stack allowed; default 500. */
  maxDepth?: number;
}

export interface CompiledExpr {
  readonly source: string;
  readonly location?: ExprLocation;
  /**
   * True when the expression runs on the synchronous fast path (engine/lang/expr-fast); it falls
   * back to JSONata itself for any input the fast path does not mirror.
   */
  readonly fast: boolean;
  /**
   * Resolves to JSONata's result. On the fast path the result is already plain JSON data
   * (no sequence flags, ordinary prototypes); JSONata's own results are not, so callers
   * that need plain data still normalise.
   */
  evaluate(input: unknown, bindings?: Record<string, unknown>): Promise<unknown>;
}

const DEFAULT_LIMITS: Required<ExprLimits> = { timeoutMs: 1000, maxDepth: 500 };

export interface ExprSyntaxError {
  message: string;
  /** Character offset into the source, when JSONata reports one. */
  position?: number;
  code?: string;
  /** The token JSONata stopped at (`(end)` at the end of input); `position` is just past it. */
  token?: string;
}

/** Compile only, for the validator. Returns the error instead of throwing. */
export function checkExpr(source: string): ExprSyntaxError | undefined {
  return inspectExpr(source).error;
}

/** One parse for the validator: the syntax error, or what in the expression is refused (regex/jsonata.ts). */
export function inspectExpr(source: string): { error?: ExprSyntaxError; hazards: ExprHazard[] } {
  try {
    return { hazards: exprHazards(jsonata(source).ast()) };
  } catch (err: any) {
    return { error: { message: String(err?.message ?? err), position: err?.position, code: err?.code, token: typeof err?.token === 'string' ? err.token : undefined }, hazards: [] };
  }
}

function where(loc?: ExprLocation): string {
  if (!loc) return '';
  const at = loc.file ? `${loc.file}${loc.line ? `:${loc.line}` : ''}${loc.column ? `:${loc.column}` : ''}` : '';
  return [loc.path, at].filter(Boolean).join(' at ');
}

/** JSONata with Patchbay's own functions bound: what every manifest expression is compiled with. */
export function jsonataWithFunctions(source: string, options?: { timeout?: number; stack?: number }): jsonata.Expression {
  const compiled = jsonata(source, options as any);
  for (const [name, f] of Object.entries(PATCHBAY_FUNCTIONS)) compiled.registerFunction(name, f.impl as any, f.signature);
  return compiled;
}

export function compileExpr(source: string, location?: ExprLocation, limits?: ExprLimits): CompiledExpr {
  const { timeoutMs, maxDepth } = { ...DEFAULT_LIMITS, ...limits };
  let compiled: jsonata.Expression;
  try {
    // JSONata's own guardrails bound each evaluation's wall time and stack depth.
    compiled = jsonataWithFunctions(source, { timeout: timeoutMs, stack: maxDepth });
  } catch (err: any) {
    throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `JSONata syntax error in ${where(location) || 'expression'}: ${err?.message ?? err}`, location, cause: err });
  }
  // Validation reports these too, but a manifest can be loaded without it; the time limit
  // only holds if nothing that escapes it ever runs.
  const [hazard] = exprHazards(compiled.ast());
  if (hazard) {
    throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `JSONata ${where(location) || 'expression'} refused: ${hazard.message}`, location });
  }
  const fast = compileFast(compiled.ast(), { maxDepth });
  const slow = async (input: unknown, bindings?: Record<string, unknown>): Promise<unknown> => {
    try {
      return await compiled.evaluate(input, bindings as any);
    } catch (err: any) {
      throw new ConnectorError({
        kind: 'mapping', origin: 'manifest',
        message: `JSONata ${where(location) || 'expression'} failed: ${err?.message ?? err}`,
        location,
        cause: err,
      });
    }
  };
  return Object.freeze({
    source,
    location,
    fast: fast !== undefined,
    evaluate: fast === undefined
      ? slow
      : (input: unknown, bindings?: Record<string, unknown>): Promise<unknown> => {
          let value: unknown;
          try {
            value = fast.evaluate(input, bindings);
          } catch {
            // Whatever the fast path does not mirror (an error case included), JSONata answers.
            return slow(input, bindings);
          }
          return Promise.resolve(value);
        },
  });
}

/**
 * What in a JSONata expression could escape its time limit: regex literals (matched
 * synchronously by V8, see safety.ts) and `$eval`, which parses a string at run time — text
 * built from provider data would become an expression, regexes included, that nobody
 * checked. The validator reports these as diagnostics and the compiler refuses them, so an
 * expression that runs is one that was checked.
 */
import { describeRegex, unsafeRegex } from './safety.js';

export interface ExprHazard {
  code: 'unsafe-regex' | 'forbidden-function';
  message: string;
  hint?: string;
  /** Offset into the expression source where the culprit starts, when known. */
  offset?: number;
}

/** Functions an expression may not name, even as a value (`$f := $eval`). */
const FORBIDDEN = new Set(['eval']);

interface AstNode {
  type?: string;
  value?: unknown;
  position?: number;
}

/** Walks a JSONata AST (`jsonata(src).ast()`) and lists its hazards in source order. */
export function exprHazards(ast: unknown): ExprHazard[] {
  const out: ExprHazard[] = [];
  const seen = new WeakSet<object>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || seen.has(node) || node instanceof RegExp) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    const n = node as AstNode;
    // JSONata's `position` is just past the token.
    if (n.type === 'regex' && n.value instanceof RegExp) {
      const re = n.value;
      const refusal = unsafeRegex(re.source, re.flags);
      if (refusal) {
        const literal = describeRegex(re.source, re.flags);
        const start = typeof n.position === 'number' ? Math.max(0, n.position - literal.length) : undefined;
        out.push({
          code: 'unsafe-regex',
          message: `regular expression ${literal} ${refusal.message}; matching cannot be interrupted, so it could block the engine far past the expression time limit`,
          ...(refusal.hint ? { hint: refusal.hint } : {}),
          ...(start !== undefined ? { offset: start + 1 + (refusal.at ?? -1) } : {}),
        });
      }
    } else if (n.type === 'variable' && typeof n.value === 'string' && FORBIDDEN.has(n.value)) {
      out.push({
        code: 'forbidden-function',
        message: `\`$${n.value}\` is not allowed: it evaluates a string built at run time as an expression, which no validation has seen`,
        hint: 'write the expression itself in the manifest',
        ...(typeof n.position === 'number' ? { offset: Math.max(0, n.position - n.value.length - 1) } : {}),
      });
    }
    for (const v of Object.values(n)) if (v !== null && typeof v === 'object') visit(v);
  };
  visit(ast);
  return out.sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
}

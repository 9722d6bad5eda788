/**
 * Parse results by source text. The same expressions recur across the manifests of a
 * connector directory, and parsing dominates check time, so each distinct text is parsed
 * once. Bounded: cleared when full rather than tracking recency.
 */
import { inspectExpr, type ExprSyntaxError } from '../../lang/expr.js';
import type { ExprHazard } from '../../lang/regex/jsonata.js';
import { templateVariables } from '../../lang/template.js';

const LIMIT = 20_000;

interface TemplateInfo {
  error?: unknown;
  variables: readonly string[];
}

interface ExprInfo {
  error?: ExprSyntaxError;
  hazards: readonly ExprHazard[];
}

const exprs = new Map<string, ExprInfo>();
const templates = new Map<string, TemplateInfo>();

function remember<V>(map: Map<string, V>, key: string, value: V): V {
  if (map.size >= LIMIT) map.clear();
  map.set(key, value);
  return value;
}

function exprInfo(source: string): ExprInfo {
  return exprs.get(source) ?? remember(exprs, source, inspectExpr(source));
}

export function exprError(source: string): ExprSyntaxError | undefined {
  return exprInfo(source).error;
}

/** Refused regexes and functions in an expression that parses (empty when it does not). */
export function exprHazardsOf(source: string): readonly ExprHazard[] {
  return exprInfo(source).hazards;
}

const LITERAL: TemplateInfo = Object.freeze({ variables: Object.freeze([] as string[]) });

export function templateInfo(source: string): TemplateInfo {
  // Handlebars reads text without `{{` as one content node; only NUL fails to lex.
  if (!source.includes('{{') && !source.includes('\0')) return LITERAL;
  const hit = templates.get(source);
  if (hit) return hit;
  let info: TemplateInfo;
  try {
    // Parses, and throws Handlebars' parse error for bad syntax.
    info = { variables: templateVariables(source) };
  } catch (error) {
    info = { error, variables: [] };
  }
  return remember(templates, source, info);
}

/**
 * The Handlebars environment: templates fill strings, never structure.
 * - No HTML escaping anywhere (these are HTTP requests, not pages).
 * - In URL paths every `{{…}}` is percent-encoded as one path segment, so an input holding
 *   `/`, `?` or `..` cannot change the route, and a missing value is an error rather than
 *   an empty segment (which would silently hit a different endpoint).
 * - A template that is exactly one `{{…}}` can be resolved to its raw value, so body leaves
 *   keep their type (numbers, booleans, objects).
 */
import Handlebars from 'handlebars';
import { ConnectorError } from './errors.js';

const hb = Handlebars.create();

function toDate(value: unknown): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value < 1e12 ? value * 1000 : value);
  const s = String(value);
  if (/^\d+$/.test(s)) return toDate(Number(s));
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

const isOptions = (v: unknown) => typeof v === 'object' && v !== null && 'hash' in v && 'data' in v;

hb.registerHelper('base64', (v: unknown) => Buffer.from(String(v ?? '')).toString('base64'));
hb.registerHelper('json', (v: unknown) => JSON.stringify(v ?? null));
hb.registerHelper('urlencode', (v: unknown) => encodeURIComponent(String(v ?? '')));
hb.registerHelper('lower', (v: unknown) => String(v ?? '').toLowerCase());
hb.registerHelper('upper', (v: unknown) => String(v ?? '').toUpperCase());
hb.registerHelper('default', (v: unknown, fallback: unknown) => (v === undefined || v === null || v === '' ? fallback : v));
hb.registerHelper('join', (v: unknown, sep: unknown) => (Array.isArray(v) ? v.join(isOptions(sep) ? ',' : String(sep)) : v));
/** `{{now}}` ISO time; `{{now "unix"}}` epoch seconds; `{{now "unix_ms"}}`. */
hb.registerHelper('now', (fmt: unknown) => formatDate(new Date(), isOptions(fmt) ? 'iso' : String(fmt)));
/** `{{date value "unix"}}` converts ISO strings or epoch numbers: iso, unix, unix_ms, date (YYYY-MM-DD). */
hb.registerHelper('date', (v: unknown, fmt: unknown) => {
  const d = toDate(v);
  return d ? formatDate(d, isOptions(fmt) ? 'iso' : String(fmt)) : '';
});

function formatDate(d: Date, fmt: string): string {
  switch (fmt) {
    case 'unix': return String(Math.floor(d.getTime() / 1000));
    case 'unix_ms': return String(d.getTime());
    case 'date': return d.toISOString().slice(0, 10);
    default: return d.toISOString();
  }
}

export const TEMPLATE_HELPERS = ['base64', 'json', 'urlencode', 'lower', 'upper', 'default', 'join', 'now', 'date'] as const;

hb.registerHelper('__segment', (value: unknown, options: Handlebars.HelperOptions) => {
  if (value === undefined || value === null || value === '') {
    throw new ConnectorError({
      kind: 'validation',
      message: `URL path variable ${String(options.hash?.__name ?? '')} is missing or empty`,
    });
  }
  // A `.` or `..` segment walks the route even percent-encoded: URL parsers normalise
  // `%2E%2E` back to `..`. No real resource is named that, so refuse it.
  const s = String(value);
  if (s === '.' || s === '..') {
    throw new ConnectorError({ kind: 'validation', message: `URL path variable ${String(options.hash?.__name ?? '')} may not be "${s}"` });
  }
  return encodeURIComponent(s);
});

export type TemplateKind = 'string' | 'path';

export interface CompiledTemplate {
  readonly source: string;
  /** Render to a string. Throws ConnectorError(validation) for a missing path variable. */
  render(context: object): string;
  /** For a template that is exactly one `{{path}}`: its raw value (keeps numbers, objects). */
  value(context: object): unknown;
  /** True when the template is a single `{{…}}` with nothing around it. */
  readonly whole: boolean;
  /** True when the template has no `{{…}}` at all. */
  readonly literal: boolean;
}

type AnyNode = { type: string; [k: string]: any };

function originalOf(node: AnyNode): string {
  if (node.type === 'PathExpression') return node.original;
  if (node.type === 'SubExpression') return `(${originalOf(node.path)} …)`;
  return String(node.original ?? node.value ?? '');
}

/** Wrap every escaped mustache as `{{__segment (…)}}` so its value is encoded as a path segment. */
function wrapSegments(program: AnyNode): void {
  for (const node of program.body as AnyNode[]) {
    if (node.type === 'MustacheStatement' && node.escaped) {
      const loc = node.loc;
      const inner: AnyNode =
        node.params.length === 0 && !node.hash
          ? node.path
          : { type: 'SubExpression', path: node.path, params: node.params, hash: node.hash, loc };
      node.path = { type: 'PathExpression', data: false, depth: 0, parts: ['__segment'], original: '__segment', loc };
      node.params = [inner];
      node.hash = { type: 'Hash', pairs: [{ type: 'HashPair', key: '__name', value: { type: 'StringLiteral', value: originalOf(inner), original: originalOf(inner), loc }, loc }], loc };
    }
    if (node.program) wrapSegments(node.program);
    if (node.inverse) wrapSegments(node.inverse);
  }
}

function lookupPath(context: any, parts: string[]): unknown {
  let cur = context;
  for (const p of parts) {
    if (cur === undefined || cur === null) return undefined;
    cur = cur[p];
  }
  return cur;
}

/** Parse only (for the validator): throws Handlebars' own error on bad syntax. */
export function parseTemplate(source: string): AnyNode {
  return hb.parse(source) as unknown as AnyNode;
}

export function compileTemplate(source: string, kind: TemplateKind = 'string'): CompiledTemplate {
  const ast = parseTemplate(source);
  const body = ast.body as AnyNode[];
  const literal = body.every((n) => n.type === 'ContentStatement');
  const single = body.length === 1 && body[0].type === 'MustacheStatement' ? body[0] : undefined;
  const simplePath =
    single && single.params.length === 0 && !single.hash && single.path.type === 'PathExpression' && !single.path.data
      ? (single.path.parts as string[])
      : undefined;
  if (kind === 'path') wrapSegments(ast);
  const fn = hb.compile(ast as any, { noEscape: true, knownHelpersOnly: false });
  const render = (context: object): string => (literal ? source : fn(context));
  return Object.freeze({
    source,
    whole: Boolean(single),
    literal,
    render,
    value(context: object): unknown {
      if (simplePath) return lookupPath(context, simplePath);
      return render(context);
    },
  });
}

/**
 * Variable paths a template reads (`config.owner`, `input.repo`), for the validator's
 * context checks. Helper names are not variables; `this` and `@data` are skipped.
 */
export function templateVariables(source: string): string[] {
  const out = new Set<string>();
  const visitExpr = (n: AnyNode | undefined) => {
    if (!n) return;
    if (n.type === 'PathExpression') {
      if (!n.data && n.parts.length > 0 && n.original !== 'this') out.add(n.parts.join('.'));
    } else if (n.type === 'SubExpression') {
      for (const p of n.params) visitExpr(p);
      for (const pair of n.hash?.pairs ?? []) visitExpr(pair.value);
    }
  };
  const visitProgram = (p: AnyNode | undefined) => {
    for (const node of (p?.body ?? []) as AnyNode[]) {
      if (node.type === 'MustacheStatement' || node.type === 'BlockStatement') {
        const isHelperCall = node.params.length > 0 || node.hash || node.type === 'BlockStatement'
          || (TEMPLATE_HELPERS as readonly string[]).includes(node.path.original);
        if (!isHelperCall) visitExpr(node.path);
        for (const param of node.params) visitExpr(param);
        for (const pair of node.hash?.pairs ?? []) visitExpr(pair.value);
        visitProgram(node.program);
        visitProgram(node.inverse);
      }
    }
  };
  visitProgram(parseTemplate(source));
  return [...out];
}

/**
 * The Handlebars environment: templates fill strings, never structure.
 * - No HTML escaping anywhere (these are HTTP requests, not pages).
 * - In `path:` and `url:` templates every `{{…}}` is percent-encoded for the part of the URL
 *   it lands in (template-url.ts): one path segment in the path, one component in the query,
 *   so an input holding `/`, `?`, `&` or `..` cannot change the route or add a parameter. A
 *   missing path value is an error rather than an empty segment (which would silently hit a
 *   different endpoint). `{{{…}}}` inserts a value the manifest says is already encoded.
 * - A template that is exactly one `{{…}}` can be resolved to its raw value, so body leaves
 *   keep their type (numbers, booleans, objects).
 */
import { createHmac } from 'node:crypto';
import Handlebars from 'handlebars';
import { ConnectorError } from '../core/errors.js';
import { escapeMarkers, marker, placeValues, type Slot, type UrlKind } from './template-url.js';

/** What templates and `body_expr` see. */
export interface TemplateContext {
  config: Record<string, unknown>;
  credentials: Record<string, unknown>;
  settings: Record<string, unknown>;
  input?: unknown;
  state?: unknown;
  parent?: unknown;
  record?: unknown;
  [k: string]: unknown;
}

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
/**
 * `{{hmac_sha256 key value}}`: lowercase hex HMAC-SHA256 of `value` keyed by `key` (e.g. a
 * request proof derived from a token and an app secret). Neither argument is logged or echoed.
 */
hb.registerHelper('hmac_sha256', (key: unknown, value: unknown) => {
  if (isOptions(key) || isOptions(value)) {
    throw new ConnectorError({ kind: 'internal', origin: 'internal', message: 'hmac_sha256 takes two arguments: key, value' });
  }
  return createHmac('sha256', String(key ?? '')).update(String(value ?? '')).digest('hex');
});
hb.registerHelper('json', (v: unknown) => JSON.stringify(v ?? null));
hb.registerHelper('urlencode', (v: unknown) => encodeURIComponent(String(v ?? '')));
hb.registerHelper('lower', (v: unknown) => String(v ?? '').toLowerCase());
hb.registerHelper('upper', (v: unknown) => String(v ?? '').toUpperCase());
hb.registerHelper('default', (v: unknown, fallback: unknown) => (v === undefined || v === null || v === '' ? fallback : v));
hb.registerHelper('join', (v: unknown, sep: unknown) => (Array.isArray(v) ? v.join(isOptions(sep) ? ',' : String(sep)) : v));
/** `{{now}}` ISO time; `{{now "unix"}}` epoch seconds; `{{now "unix_ms"}}`. */
hb.registerHelper('now', (fmt: unknown) => formatDate(new Date(), isOptions(fmt) ? 'iso' : String(fmt)));
/**
 * `{{date value "unix"}}` converts ISO strings or epoch numbers: iso, unix, unix_ms, date (YYYY-MM-DD),
 * iso_seconds (UTC `YYYY-MM-DDTHH:MM:SS`, no fraction or zone: APIs that refuse milliseconds).
 */
hb.registerHelper('date', (v: unknown, fmt: unknown) => {
  const d = toDate(v);
  return d ? formatDate(d, isOptions(fmt) ? 'iso' : String(fmt)) : '';
});

function formatDate(d: Date, fmt: string): string {
  switch (fmt) {
    case 'unix': return String(Math.floor(d.getTime() / 1000));
    case 'unix_ms': return String(d.getTime());
    case 'date': return d.toISOString().slice(0, 10);
    case 'iso_seconds': return d.toISOString().slice(0, 19);
    default: return d.toISOString();
  }
}

export const TEMPLATE_HELPERS = ['base64', 'hmac_sha256', 'json', 'urlencode', 'lower', 'upper', 'default', 'join', 'now', 'date'] as const;

hb.registerHelper('__slot', (value: unknown, options: Handlebars.HelperOptions) => {
  const slots = options.data?.slots as Slot[] | undefined;
  if (!slots) throw new ConnectorError({ kind: 'internal', origin: 'internal', message: 'URL template rendered without its value slots' });
  slots.push({ value, raw: options.hash?.__raw === true, name: String(options.hash?.__name ?? '') });
  return marker(slots.length - 1);
});

/** `path` and `url` encode each value for its place in the URL; `string` inserts it as it is. */
export type TemplateKind = 'string' | UrlKind;

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

/**
 * Turn every mustache into `{{__slot (…) __name="…" __raw=…}}`, so its value is set aside
 * and placed by template-url.ts. Triple-stash and `urlencode` values count as encoded.
 */
function wrapSlots(program: AnyNode): void {
  for (const node of program.body as AnyNode[]) {
    if (node.type === 'ContentStatement') node.value = escapeMarkers(node.value);
    if (node.type === 'MustacheStatement') {
      const loc = node.loc;
      const raw = !node.escaped || node.path.original === 'urlencode';
      const inner: AnyNode =
        node.params.length === 0 && !node.hash
          ? node.path
          : { type: 'SubExpression', path: node.path, params: node.params, hash: node.hash, loc };
      const name = originalOf(inner);
      node.path = { type: 'PathExpression', data: false, depth: 0, parts: ['__slot'], original: '__slot', loc };
      node.params = [inner];
      node.hash = {
        type: 'Hash',
        pairs: [
          { type: 'HashPair', key: '__name', value: { type: 'StringLiteral', value: name, original: name, loc }, loc },
          { type: 'HashPair', key: '__raw', value: { type: 'BooleanLiteral', value: raw, original: raw, loc }, loc },
        ],
        loc,
      };
      node.escaped = true;
    }
    if (node.program) wrapSlots(node.program);
    if (node.inverse) wrapSlots(node.inverse);
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
  if (kind !== 'string') wrapSlots(ast);
  const fn = hb.compile(ast as any, { noEscape: true, knownHelpersOnly: false });
  const render = (context: object): string => {
    if (literal) return source;
    if (kind === 'string') return fn(context);
    const slots: Slot[] = [];
    return placeValues(fn(context, { data: { slots } }), slots, kind);
  };
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

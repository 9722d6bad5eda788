/**
 * Plan request + context → structured OutboundRequest. Templates only fill strings; the
 * request stays structured (query pairs, body value) so auth and paginators can add to it.
 */
import { ConnectorError, isConnectorError } from '../../core/errors.js';
import type { BodyNode, PlanHttp, PlanRequest, SourceLoc } from '../../plan/plan.js';
import type { CompiledTemplate, TemplateContext } from '../../lang/template.js';

export type { TemplateContext };
import type { OutboundRequest } from '../../core/wire.js';

export interface RenderOptions {
  /** Connection override of the manifest's base_url. */
  baseUrl?: string;
  /** The connection's environment's base URL: replaces the connector's own where an operation inherits it. */
  environmentBaseUrl?: CompiledTemplate;
}

function locationOf(loc: SourceLoc, field: string) {
  return { file: loc.file, line: loc.line, column: loc.column, path: `${loc.path}.${field}` };
}

/** Render with the failing field named; a missing path variable stays a `validation` error. */
function renderField(t: CompiledTemplate, ctx: TemplateContext, loc: SourceLoc, field: string): string {
  try {
    return t.render(ctx);
  } catch (err) {
    if (isConnectorError(err)) {
      throw new ConnectorError({ kind: err.kind, origin: err.origin, message: `${err.message} (in ${loc.path}.${field})`, location: locationOf(loc, field) });
    }
    throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `Template ${loc.path}.${field} failed: ${(err as Error).message}`, location: locationOf(loc, field), cause: err });
  }
}

function valueField(t: CompiledTemplate, ctx: TemplateContext, loc: SourceLoc, field: string): unknown {
  if (!t.whole) return renderField(t, ctx, loc, field);
  try {
    return t.value(ctx);
  } catch (err) {
    throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `Template ${loc.path}.${field} failed: ${(err as Error).message}`, location: locationOf(loc, field), cause: err });
  }
}

function joinUrl(base: string, path: string): string {
  if (!path) return base;
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** Split a URL's own query string off into pairs (e.g. a `url` template holding a next-page link). */
function splitQuery(url: string): { url: string; query: Array<[string, string]> } {
  const hashAt = url.indexOf('#');
  const noHash = hashAt < 0 ? url : url.slice(0, hashAt);
  const q = noHash.indexOf('?');
  if (q < 0) return { url: noHash, query: [] };
  return { url: noHash.slice(0, q), query: [...new URLSearchParams(noHash.slice(q + 1))] };
}

const DOT_SEGMENT = /^(\.|%2e){1,2}$/i;

function hasDotSegment(path: string): boolean {
  return path.split(/[?#]/)[0].split('/').some((seg) => DOT_SEGMENT.test(seg));
}

function dotSegmentError(req: PlanRequest, field: 'path' | 'url'): ConnectorError {
  return new ConnectorError({ kind: 'validation', origin: 'caller', message: `${req.loc.path}.${field}: a path variable is "." or "..", which cannot be sent as a path segment`, location: locationOf(req.loc, field) });
}

// WHATWG URL parsing (got's, and most servers') resolves `%2E%2E` like `..`, so an encoded
// dot segment would still walk up the route: refuse it instead. Escaped values are refused
// as `.`/`..` by the template already; this also covers raw `{{{…}}}` values.
function renderUrl(req: PlanRequest, http: PlanHttp, ctx: TemplateContext, opts: RenderOptions): string {
  if (req.url) {
    const url = renderField(req.url, ctx, req.loc, 'url');
    // A url that is one value (a next-page link) is not the manifest's to police segment by segment.
    if (!req.url.whole && hasDotSegment(url.replace(/^[a-z][a-z\d+.-]*:\/\/[^/?#]*/i, ''))) throw dotSegmentError(req, 'url');
    return url;
  }
  const template = opts.environmentBaseUrl && http.inheritsBaseUrl ? opts.environmentBaseUrl : http.baseUrl;
  const base = opts.baseUrl ?? (template ? renderField(template, ctx, req.loc, 'base_url') : undefined);
  if (!base) {
    throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `${req.loc.path} has no url and the connector has no base_url`, location: locationOf(req.loc, 'path') });
  }
  const path = req.path ? renderField(req.path, ctx, req.loc, 'path') : '';
  if (hasDotSegment(path)) throw dotSegmentError(req, 'path');
  return joinUrl(base, path);
}

function stringify(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function renderQuery(req: PlanRequest, ctx: TemplateContext): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const q of req.query) {
    for (const t of q.values) {
      const field = `query.${q.name}`;
      // A whole-value template holding a list becomes a repeated parameter (`properties=a&properties=b`).
      const v = t.whole ? valueField(t, ctx, req.loc, field) : renderField(t, ctx, req.loc, field);
      for (const item of Array.isArray(v) ? v : [v]) {
        const s = stringify(item);
        if (s !== '') out.push([q.name, s]);
      }
    }
  }
  return out;
}

function renderHeaders(req: PlanRequest, http: PlanHttp, ctx: TemplateContext): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (list: PlanRequest['headers'], prefix: string) => {
    for (const h of list) {
      const v = renderField(h.template, ctx, req.loc, `${prefix}headers.${h.name}`);
      if (v !== '') out[h.name.toLowerCase()] = v;
    }
  };
  add(http.headers, 'http.');
  add(req.headers, '');
  return out;
}

/** Body leaves: a whole `{{x}}` keeps x's type; an undefined whole value drops its key. */
function renderBody(node: BodyNode, ctx: TemplateContext, loc: SourceLoc, path: string): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'template':
      return node.template.whole ? valueField(node.template, ctx, loc, path) : renderField(node.template, ctx, loc, path);
    case 'array':
      return node.items.map((n, i) => renderBody(n, ctx, loc, `${path}[${i}]`)).filter((v) => v !== undefined);
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, n] of node.entries) {
        const v = renderBody(n, ctx, loc, `${path}.${k}`);
        if (v !== undefined) out[k] = v;
      }
      return out;
    }
  }
}

export async function renderRequest(req: PlanRequest, http: PlanHttp, ctx: TemplateContext, opts: RenderOptions = {}): Promise<OutboundRequest> {
  const split = splitQuery(renderUrl(req, http, ctx, opts));
  try {
    new URL(split.url);
  } catch {
    throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `${req.loc.path} does not render to an absolute URL`, location: locationOf(req.loc, req.url ? 'url' : 'path') });
  }
  let body: unknown;
  if (req.bodyExpr) body = await req.bodyExpr.evaluate(ctx);
  else if (req.body) body = renderBody(req.body, ctx, req.loc, 'body');
  const query = [...split.query, ...renderQuery(req, ctx)];
  for (const d of http.query) {
    // A request naming the parameter owns it, even when its value renders empty (that drops it).
    if (query.some(([k]) => k === d.name) || req.query.some((q) => q.name === d.name)) continue;
    const v = renderField(d.template, ctx, req.loc, `http.query.${d.name}`);
    if (v !== '') query.push([d.name, v]);
  }
  const out: OutboundRequest = {
    method: req.method,
    url: split.url,
    query,
    headers: renderHeaders(req, http, ctx),
    bodyFormat: http.bodyFormat,
  };
  if (body !== undefined) out.body = body;
  return out;
}

/** A copy deep enough that auth and paginators can change it without touching the original. */
export function cloneRequest(req: OutboundRequest): OutboundRequest {
  return { ...req, query: req.query.map(([k, v]) => [k, v] as [string, string]), headers: { ...req.headers } };
}

/**
 * Placing paging parameters on a request. Every helper returns a new request: the previous
 * page's request must stay as it was, because loop detection compares against it.
 */
import type { OutboundRequest } from '../../core/wire.js';
import { ConnectorError } from '../../core/errors.js';
import { buildUrl } from '../../core/encode.js';
import { isPlainObject } from '../../core/objects.js';

export type Placement = 'query' | 'body' | 'header' | 'template';

/** What a paging value is, whatever parameter carries it: the name templates read it by (`page.offset`). */
export type PageRole = 'offset' | 'number' | 'size' | 'cursor';


/**
 * "Query (or body)": a request that already sends an object body (a search POST) takes its
 * paging parameters there; everything else takes them in the query string.
 */
export function defaultPlacement(req: OutboundRequest): Placement {
  if (req.page !== undefined) return 'template';
  return req.method !== 'GET' && req.method !== 'HEAD' && isPlainObject(req.body) ? 'body' : 'query';
}

/** Replace a query parameter in place (first occurrence), dropping repeats; append when absent. */
function setQuery(query: Array<[string, string]>, name: string, value: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let placed = false;
  for (const [k, v] of query) {
    if (k !== name) out.push([k, v]);
    else if (!placed) {
      out.push([name, value]);
      placed = true;
    }
  }
  if (!placed) out.push([name, value]);
  return out;
}

/** Set a dotted path in a copy of `body`, copying only the objects along the path. */
function setBodyPath(body: unknown, path: string, value: unknown): Record<string, unknown> {
  if (body !== undefined && !isPlainObject(body)) {
    throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `Pagination parameter "${path}" goes in the body, but the request body is not an object` });
  }
  const root: Record<string, unknown> = { ...(body ?? {}) };
  const keys = path.split('.');
  let cur = root;
  for (const key of keys.slice(0, -1)) {
    const child = cur[key];
    const copy = isPlainObject(child) ? { ...child } : {};
    cur[key] = copy;
    cur = copy;
  }
  cur[keys[keys.length - 1]] = value;
  return root;
}

export function setParam(req: OutboundRequest, where: Placement, name: string, value: unknown, role?: PageRole): OutboundRequest {
  switch (where) {
    case 'template':
      return { ...req, page: { ...req.page, [role ?? name]: value } };
    case 'query':
      return { ...req, query: setQuery(req.query, name, String(value)) };
    case 'header':
      return { ...req, headers: { ...req.headers, [name.toLowerCase()]: String(value) } };
    case 'body':
      return { ...req, body: setBodyPath(req.body, name, value) };
  }
}

export function getParam(req: OutboundRequest, where: Placement, name: string, role?: PageRole): unknown {
  switch (where) {
    case 'template':
      return req.page?.[role ?? name];
    case 'query':
      return req.query.find(([k]) => k === name)?.[1];
    case 'header':
      return req.headers[name.toLowerCase()];
    case 'body': {
      let cur: unknown = req.body;
      for (const key of name.split('.')) cur = isPlainObject(cur) ? cur[key] : undefined;
      return cur;
    }
  }
}

/** Apply `size_param`/`size` when both are given. */
export function withSize(req: OutboundRequest, spec: { sizeParam?: string; size?: number }, where: Placement): OutboundRequest {
  if (where === 'template') return spec.size !== undefined ? setParam(req, where, 'size', spec.size, 'size') : req;
  return spec.sizeParam && spec.size !== undefined ? setParam(req, where, spec.sizeParam, spec.size) : req;
}

/**
 * A next-page URL replaces url and query. It must stay on the origin of the request it came
 * from: the engine applies credentials to whatever it sends, and a response must not be
 * able to redirect them to another host.
 */
export function followUrl(req: OutboundRequest, next: string, keepQueryIfNone: boolean): OutboundRequest {
  let target: URL;
  try {
    target = new URL(next, buildUrl(req));
  } catch {
    throw new ConnectorError({ kind: 'client', origin: 'provider', message: `Pagination produced an invalid next URL: ${JSON.stringify(next).slice(0, 200)}` });
  }
  const from = new URL(req.url);
  if (target.origin !== from.origin) {
    throw new ConnectorError({ kind: 'client', origin: 'provider', message: `Pagination next URL leaves the API origin (${from.origin} → ${target.origin}); refusing to send credentials there` });
  }
  const query = [...target.searchParams.entries()] as Array<[string, string]>;
  target.search = '';
  target.hash = '';
  return { ...req, url: target.toString(), query: query.length === 0 && keepQueryIfNone ? req.query : query };
}

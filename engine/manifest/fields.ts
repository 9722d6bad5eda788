/**
 * Where templates and expressions live in a manifest, and which variables each template may
 * read. Checks and the compiler both walk this one catalogue, so a field added to the
 * language is checked and compiled the same way. Component blocks (auth methods,
 * pagination) are walked by their kinds' field declarations, which also generate the
 * schema's "(Handlebars template)" / "(JSONata expression)" marks; the rest is listed here
 * and test/manifest keeps it in step with the schema.
 */
import { blockSections, eachField, textFields, type Family, type KindSpec } from '../components/kit.js';
import { routeActions } from '../components/actions/registry.js';
import { authKinds } from '../components/auth/registry.js';
import { paginators } from '../components/pagination/registry.js';
import { verifiers } from '../components/verify/registry.js';
import { isPlainObject } from '../core/objects.js';
import type { Path } from './diagnostics.js';

export type FieldKind = 'template' | 'path-template' | 'jsonata';

export interface Field {
  path: Path;
  kind: FieldKind;
  source: string;
  /** Template variable roots allowed here (templates only). */
  roots?: readonly string[];
  /** Human name of the context, for hints. */
  context?: string;
  /** The action or stream the field belongs to, for `input.X` checks and `state` use. */
  owner?: { section: 'actions' | 'streams'; name: string };
}

export const ROOTS = {
  http: ['config', 'settings'],
  auth: ['config', 'credentials', 'settings'],
  actionRequest: ['input', 'config', 'settings', 'credentials'],
  streamRequest: ['config', 'settings', 'state'],
  childStreamRequest: ['config', 'settings', 'state', 'parent'],
  checkRequest: ['config', 'settings'],
  connectorSecret: ['secrets', 'app'],
  subscribeRequest: ['config', 'settings', 'credentials', 'webhook_url', 'secret'],
  cursorInitial: ['config'],
} as const;

export const HTTP_EXPRS: Path[] = [['errors', 'when'], ['errors', 'message'], ['errors', 'code'], ['retry', 'when']];
export const ACTION_EXPRS = ['output', 'records'] as const;
export const STREAM_EXPRS = ['records', 'mapping'] as const;
export const WEBHOOK_EXPRS: Path[] = [['handshake', 'when'], ['handshake', 'response', 'body'], ['connection', 'match'], ['events'], ['id'], ['type'], ['subscribe', 'id'], ['subscribe', 'secret']];

type Sink = (f: Field) => void;

function get(obj: unknown, path: Path): unknown {
  let cur = obj;
  for (const seg of path) {
    if (!isPlainObject(cur) && !Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[String(seg)];
  }
  return cur;
}

function expr(sink: Sink, root: unknown, base: Path, rel: Path, owner?: Field['owner']): void {
  const v = get(root, rel);
  if (typeof v === 'string') sink({ path: [...base, ...rel], kind: 'jsonata', source: v, owner });
}

function tpl(sink: Sink, value: unknown, path: Path, roots: readonly string[], context: string, owner?: Field['owner'], kind: FieldKind = 'template'): void {
  if (typeof value === 'string') sink({ path, kind, source: value, roots, context, owner });
}

function eachEntry(obj: unknown, fn: (key: string, value: unknown) => void): void {
  if (isPlainObject(obj)) for (const [k, v] of Object.entries(obj)) fn(k, v);
}

export function httpFields(http: unknown, base: Path, sink: Sink, owner?: Field['owner']): void {
  if (!isPlainObject(http)) return;
  tpl(sink, http.base_url, [...base, 'base_url'], ROOTS.http, 'http', owner);
  eachEntry(http.headers, (k, v) => tpl(sink, v, [...base, 'headers', k], ROOTS.http, 'http', owner));
  for (const rel of HTTP_EXPRS) expr(sink, http, base, rel, owner);
  componentFields(paginators, http.pagination, [...base, 'pagination'], sink, owner);
}

/** A component block's templates and expressions, by its kind's declarations (every kind's when the type is unknown). */
function componentFields(family: Family<KindSpec>, block: unknown, base: Path, sink: Sink, owner?: Field['owner']): void {
  for (const part of blockSections(family, block)) {
    textFields(part.fields, part.value, [...base, ...part.path], (o) => {
      if (o.language === 'expression') sink({ path: o.path, kind: 'jsonata', source: o.source, owner });
      else sink({ path: o.path, kind: 'template', source: o.source, roots: o.roots ?? family.options.roots, context: o.context ?? family.options.context, owner });
    });
  }
}

/** A field whose value is a regular expression or a name of something else in the manifest. */
export interface DeclaredValue {
  path: Path;
  value: string;
  /** `pattern`: a regex on sender text, its first group the value; `stream`, `action`: the name of one. */
  kind: 'pattern' | 'stream' | 'action';
  /** For patterns: an example for hints. */
  example?: string;
}

/** Every component block of a manifest outside `http` (paginations are found through the http blocks) with its family and path. */
export function componentBlocks(m: Record<string, unknown>): Array<{ family: Family<KindSpec>; block: unknown; path: Path }> {
  const out: Array<{ family: Family<KindSpec>; block: unknown; path: Path }> = [];
  for (const { path, method } of authMethods(m.auth)) out.push({ family: authKinds, block: method, path });
  const w = m.webhooks;
  if (isPlainObject(w)) {
    if (w.verify !== undefined) out.push({ family: verifiers, block: w.verify, path: ['webhooks', 'verify'] });
    if (Array.isArray(w.routes)) w.routes.forEach((r, i) => out.push({ family: routeActions, block: r, path: ['webhooks', 'routes', i] }));
  }
  return out;
}

/** Patterns and stream or action references the component blocks of a manifest declare. */
export function declaredValues(m: Record<string, unknown>): DeclaredValue[] {
  const out: DeclaredValue[] = [];
  for (const { family, block, path } of componentBlocks(m)) {
    for (const part of blockSections(family, block)) {
      eachField(part.fields, part.value, [...path, ...part.path], (spec, value, at) => {
        if (typeof value !== 'string') return;
        if (spec.kind === 'pattern') out.push({ path: at, value, kind: 'pattern', ...(spec.example ? { example: spec.example } : {}) });
        else if (spec.kind === 'literal' && spec.ref) out.push({ path: at, value, kind: spec.ref });
      });
    }
  }
  return out;
}

function bodyFields(body: unknown, path: Path, sink: Sink, roots: readonly string[], context: string, owner?: Field['owner']): void {
  if (typeof body === 'string') tpl(sink, body, path, roots, context, owner);
  else if (Array.isArray(body)) body.forEach((b, i) => bodyFields(b, [...path, i], sink, roots, context, owner));
  else eachEntry(body, (k, v) => bodyFields(v, [...path, k], sink, roots, context, owner));
}

export function requestFields(req: unknown, base: Path, roots: readonly string[], context: string, sink: Sink, owner?: Field['owner']): void {
  if (!isPlainObject(req)) return;
  tpl(sink, req.path, [...base, 'path'], roots, context, owner, 'path-template');
  tpl(sink, req.url, [...base, 'url'], roots, context, owner);
  eachEntry(req.query, (k, v) => {
    if (Array.isArray(v)) v.forEach((item, i) => tpl(sink, item, [...base, 'query', k, i], roots, context, owner));
    else tpl(sink, v, [...base, 'query', k], roots, context, owner);
  });
  eachEntry(req.headers, (k, v) => tpl(sink, v, [...base, 'headers', k], roots, context, owner));
  if (req.body !== undefined) bodyFields(req.body, [...base, 'body'], sink, roots, context, owner);
  expr(sink, req, base, ['body_expr'], owner);
}

export function authMethodFields(method: unknown, base: Path, sink: Sink): void {
  componentFields(authKinds, method, base, sink);
}

/** Every auth method block with its manifest path (one, or each under `methods`). */
export function authMethods(auth: unknown): Array<{ name: string; path: Path; method: Record<string, unknown> }> {
  if (!isPlainObject(auth)) return [];
  if (auth.methods !== undefined) {
    const out: Array<{ name: string; path: Path; method: Record<string, unknown> }> = [];
    eachEntry(auth.methods, (name, m) => { if (isPlainObject(m)) out.push({ name, path: ['auth', 'methods', name], method: m }); });
    return out;
  }
  return [{ name: 'default', path: ['auth'], method: auth }];
}

/** All template and JSONata fields of a manifest, in document order. */
export function collectFields(m: Record<string, unknown>): Field[] {
  const out: Field[] = [];
  const sink: Sink = (f) => out.push(f);
  for (const { path, method } of authMethods(m.auth)) authMethodFields(method, path, sink);
  httpFields(m.http, ['http'], sink);
  if (isPlainObject(m.check)) {
    requestFields(m.check.request, ['check', 'request'], ROOTS.checkRequest, 'check request', sink);
    httpFields(m.check.http, ['check', 'http'], sink);
    expr(sink, m.check, ['check'], ['output']);
    eachEntry(m.check.settings, (k) => expr(sink, m.check, ['check'], ['settings', k]));
  }
  eachEntry(m.actions, (name, a) => {
    if (!isPlainObject(a)) return;
    const owner = { section: 'actions' as const, name };
    const base: Path = ['actions', name];
    requestFields(a.request, [...base, 'request'], ROOTS.actionRequest, 'action request', sink, owner);
    httpFields(a.http, [...base, 'http'], sink, owner);
    for (const k of ACTION_EXPRS) expr(sink, a, base, [k], owner);
  });
  eachEntry(m.streams, (name, s) => {
    if (!isPlainObject(s)) return;
    const owner = { section: 'streams' as const, name };
    const base: Path = ['streams', name];
    const child = s.parent !== undefined;
    requestFields(s.request, [...base, 'request'], child ? ROOTS.childStreamRequest : ROOTS.streamRequest, child ? 'child stream request' : 'stream request', sink, owner);
    httpFields(s.http, [...base, 'http'], sink, owner);
    for (const k of STREAM_EXPRS) expr(sink, s, base, [k], owner);
    if (isPlainObject(s.cursor)) tpl(sink, s.cursor.initial, [...base, 'cursor', 'initial'], ROOTS.cursorInitial, 'cursor.initial', owner);
  });
  const w = m.webhooks;
  if (isPlainObject(w)) {
    const base: Path = ['webhooks'];
    for (const rel of WEBHOOK_EXPRS) expr(sink, w, base, rel);
    if (w.verify !== undefined) componentFields(verifiers, w.verify, [...base, 'verify'], sink);
    if (isPlainObject(w.connection)) tpl(sink, w.connection.secret, [...base, 'connection', 'secret'], ROOTS.connectorSecret, 'connector-level webhook secret');
    if (Array.isArray(w.routes)) w.routes.forEach((r, i) => componentFields(routeActions, r, [...base, 'routes', i], sink));
    for (const op of ['subscribe', 'unsubscribe'] as const) {
      const block = w[op];
      if (isPlainObject(block)) requestFields(block.request, [...base, op, 'request'], ROOTS.subscribeRequest, `${op} request`, sink);
    }
  }
  return out;
}

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
  owner?: { section: 'actions' | 'streams' | 'dynamic_streams'; name: string };
  /** JSONata only: the `$name` variables the engine binds when it evaluates this expression; absent when unknown (not checked). */
  bindings?: readonly string[];
  /**
   * JSONata only: when the input is an object of fixed names (a webhook's `{event, body,
   * headers}`), those names. Absent when the input is data (a body, a record), whose field
   * names are the provider's.
   */
  inputRoots?: readonly string[];
}

/** What an expression is evaluated with: its `$` bindings and, when the input is a fixed object, its names. */
export type ExprScope = Pick<Field, 'bindings' | 'inputRoots'>;

/** Read from the evaluation sites (engine/run, engine/platform/webhooks, the components' run code). */
export const EXPR_SCOPES = {
  /** A response body as `$` (classify, retry, check). */
  response: { bindings: ['status', 'headers'] },
  /** A pagination's `next` / `stop_when` (pageBindings). */
  page: { bindings: ['records', 'headers', 'status'] },
  /** `records` selecting from a response (selectRecords). */
  records: { bindings: ['headers', 'status'] },
  actionOutput: { bindings: ['input', 'headers', 'status'] },
  /**
   * `$r` is the page wrapper's own parameter (lang/mapping.ts); it works, so it is not
   * reported. `$config` and `$settings` are the connection's values (operations/records.ts).
   */
  mapping: { bindings: ['r', 'config', 'settings'] },
  /** A stream's `deleted` test, over one raw record (read.ts). */
  rawRecord: { bindings: [] },
  childMapping: { bindings: ['r', 'parent', 'config', 'settings'] },
  /** A dynamic family's template: its `records` and `mapping` also see the discovered item (operations/discover.ts). */
  dynamicRecords: { bindings: ['headers', 'status', 'item'] },
  dynamicMapping: { bindings: ['r', 'item', 'config', 'settings'] },
  /** A token endpoint's answer; `error_when` also sees `$status`. */
  tokenResponse: { bindings: [] },
  tokenError: { bindings: ['status'] },
  /** A subscribe response body. */
  subscribeResponse: { bindings: [] },
  /** A set-up step's response body, or the candidate it chose (platform/connections/setup.ts). */
  setupResponse: { bindings: ['status', 'headers'] },
  /** A dynamic family's `key`, `title`, `primary_key`: over one discovered item (operations/discover.ts). */
  discoveredItem: { bindings: [] },
  /** `webhooks.subscriptions[].for_each` (platform/webhooks/registrations.ts builds the input). */
  subscriptionItems: { bindings: [], inputRoots: ['config', 'settings', 'credentials'] },
  subscriptionKey: { bindings: [], inputRoots: ['item'] },
  webhookEvents: { bindings: [], inputRoots: ['body', 'headers'] },
  webhookEvent: { bindings: [], inputRoots: ['event', 'body', 'headers'] },
  webhookRequest: { bindings: [], inputRoots: ['body', 'headers', 'query', 'method'] },
  webhookMatch: { bindings: [], inputRoots: ['body', 'headers', 'query', 'method', 'event'] },
  /** Handshakes see the connection's values and the connector's (pipeline.ts builds the input). */
  webhookHandshake: { bindings: [], inputRoots: ['body', 'headers', 'query', 'method', 'config', 'credentials', 'settings', 'secrets', 'app'] },
  webhookAck: { bindings: [], inputRoots: ['body', 'headers', 'query', 'method', 'event', 'events', 'received', 'duplicates'] },
} as const satisfies Record<string, ExprScope>;

export const ROOTS = {
  http: ['config', 'settings', 'environment'],
  auth: ['config', 'credentials', 'settings', 'environment'],
  actionRequest: ['input', 'config', 'settings', 'credentials', 'page', 'environment'],
  streamRequest: ['config', 'settings', 'state', 'page', 'environment'],
  childStreamRequest: ['config', 'settings', 'state', 'parent', 'page', 'environment'],
  /** A dynamic family's stream template: a stream's, plus the discovered item. */
  dynamicStreamRequest: ['config', 'settings', 'state', 'item', 'page', 'environment'],
  dynamicCursorInitial: ['config', 'item'],
  checkRequest: ['config', 'settings', 'environment'],
  connectorSecret: ['secrets', 'app'],
  subscribeRequest: ['config', 'settings', 'credentials', 'webhook_url', 'secret', 'environment'],
  setupRequest: ['config', 'settings', 'credentials', 'environment', 'app'],
  teardownRequest: ['config', 'settings', 'credentials', 'environment'],
  subscriptionRequest: ['config', 'settings', 'credentials', 'webhook_url', 'secret', 'item', 'key', 'expires_at', 'environment'],
  subscriptionFollowUp: ['config', 'settings', 'credentials', 'webhook_url', 'secret', 'item', 'key', 'expires_at', 'subscription', 'environment'],
  cursorInitial: ['config'],
  streamResume: ['config', 'settings', 'state', 'environment'],
  childStreamResume: ['config', 'settings', 'state', 'parent', 'environment'],
  dynamicStreamResume: ['config', 'settings', 'state', 'item', 'environment'],
  streamGet: ['config', 'settings', 'id', 'environment'],
} as const;

export const HTTP_EXPRS: Path[] = [['errors', 'when'], ['errors', 'message'], ['errors', 'code'], ['retry', 'when'], ['rate_limit', 'remaining']];
export const ACTION_EXPRS = ['output', 'records'] as const;
export const STREAM_EXPRS = ['records', 'mapping'] as const;
export const WEBHOOK_EXPRS: Path[] = [['connection', 'match'], ['events'], ['id'], ['type'], ['subscribe', 'id'], ['subscribe', 'secret']];
const WEBHOOK_SCOPES: Record<string, ExprScope> = {
  'connection.match': EXPR_SCOPES.webhookMatch,
  events: EXPR_SCOPES.webhookEvents,
  id: EXPR_SCOPES.webhookEvent,
  type: EXPR_SCOPES.webhookEvent,
  'subscribe.id': EXPR_SCOPES.subscribeResponse,
  'subscribe.secret': EXPR_SCOPES.subscribeResponse,
};
const HTTP_SCOPE: ExprScope = EXPR_SCOPES.response;

type Sink = (f: Field) => void;

/**
 * A route's expressions see the event; the actions after one that `provides` a value (a
 * fetch) see that value too. The route's `when` is evaluated before any action runs.
 */
function routeScope(route: unknown): (rel: Path, kind: KindSpec | undefined) => ExprScope {
  const provided = isPlainObject(route)
    ? routeActions.kinds().filter((k) => k.provides !== undefined && route[k.type] !== undefined).map((k) => k.provides as string)
    : [];
  const later: ExprScope = { ...EXPR_SCOPES.webhookEvent, inputRoots: [...(EXPR_SCOPES.webhookEvent.inputRoots ?? []), ...provided] };
  return (rel, kind) => (rel[0] === 'when' || (kind as { provides?: string } | undefined)?.provides !== undefined || provided.length === 0 ? EXPR_SCOPES.webhookEvent : later);
}

function get(obj: unknown, path: Path): unknown {
  let cur = obj;
  for (const seg of path) {
    if (!isPlainObject(cur) && !Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[String(seg)];
  }
  return cur;
}

function expr(sink: Sink, root: unknown, base: Path, rel: Path, owner?: Field['owner'], scope?: ExprScope): void {
  const v = get(root, rel);
  if (typeof v === 'string') sink({ path: [...base, ...rel], kind: 'jsonata', source: v, owner, ...scope });
}

function tpl(sink: Sink, value: unknown, path: Path, roots: readonly string[], context: string, owner?: Field['owner'], kind: FieldKind = 'template'): void {
  if (typeof value === 'string') sink({ path, kind, source: value, roots, context, owner });
}

function eachEntry(obj: unknown, fn: (key: string, value: unknown) => void): void {
  if (isPlainObject(obj)) for (const [k, v] of Object.entries(obj)) fn(k, v);
}

/**
 * A handshake or ack: one object or a list of them (the paths carry the index), each with
 * `when`, `body` and any `headers` expressions; `at` is where the reply sits in an entry.
 */
function replyFields(value: unknown, base: Path, at: Path, scope: ExprScope, sink: Sink): void {
  const list: Array<[unknown, Path]> = Array.isArray(value) ? value.map((v, i) => [v, [...base, i]]) : [[value, base]];
  for (const [entry, path] of list) {
    if (!isPlainObject(entry)) continue;
    expr(sink, entry, path, ['when'], undefined, scope);
    expr(sink, entry, path, [...at, 'body'], undefined, scope);
    eachEntry(get(entry, [...at, 'headers']), (k) => expr(sink, entry, path, [...at, 'headers', k], undefined, scope));
  }
}

export function httpFields(http: unknown, base: Path, sink: Sink, owner?: Field['owner']): void {
  if (!isPlainObject(http)) return;
  tpl(sink, http.base_url, [...base, 'base_url'], ROOTS.http, 'http', owner);
  eachEntry(http.headers, (k, v) => tpl(sink, v, [...base, 'headers', k], ROOTS.http, 'http', owner));
  eachEntry(http.query, (k, v) => tpl(sink, v, [...base, 'query', k], ROOTS.http, 'http', owner));
  for (const rel of HTTP_EXPRS) expr(sink, http, base, rel, owner, HTTP_SCOPE);
  componentFields(paginators, http.pagination, [...base, 'pagination'], sink, owner, () => EXPR_SCOPES.page);
}

/** One `webhooks.subscriptions` entry: its requests, and the expressions over its items and responses. */
function subscriptionFields(s: unknown, base: Path, sink: Sink): void {
  if (!isPlainObject(s)) return;
  expr(sink, s, base, ['for_each'], undefined, EXPR_SCOPES.subscriptionItems);
  expr(sink, s, base, ['key'], undefined, EXPR_SCOPES.subscriptionKey);
  for (const rel of [['id'], ['expires_at'], ['renew', 'expires_at']]) expr(sink, s, base, rel, undefined, EXPR_SCOPES.subscribeResponse);
  requestFields(s.request, [...base, 'request'], ROOTS.subscriptionRequest, 'subscription request', sink);
  for (const op of ['renew', 'unsubscribe'] as const) {
    const block = s[op];
    if (isPlainObject(block)) requestFields(block.request, [...base, op, 'request'], ROOTS.subscriptionFollowUp, `subscription ${op} request`, sink);
  }
}

/** A component block's templates and expressions, by its kind's declarations (every kind's when the type is unknown). */
function componentFields(family: Family<KindSpec>, block: unknown, base: Path, sink: Sink, owner?: Field['owner'], scope?: (rel: Path, kind: KindSpec | undefined) => ExprScope | undefined): void {
  for (const part of blockSections(family, block)) {
    textFields(part.fields, part.value, [...base, ...part.path], (o) => {
      if (o.language === 'expression') {
        const s = scope?.(o.path.slice(base.length), part.kind);
        const inputRoots = s?.inputRoots && o.inputNames ? [...s.inputRoots, ...o.inputNames] : s?.inputRoots;
        sink({ path: o.path, kind: 'jsonata', source: o.source, owner, ...s, ...(inputRoots ? { inputRoots } : {}) });
      }
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
  // `body_expr` sees what the request's templates see, as its input (render.ts).
  expr(sink, req, base, ['body_expr'], owner, { bindings: [], inputRoots: roots });
}

/** Only the OAuth token fields are known; an expression another auth kind adds stays unchecked. */
function authScope(rel: Path): ExprScope | undefined {
  if (rel[0] === 'error_when') return EXPR_SCOPES.tokenError;
  if (rel[0] === 'token_fields' || rel[0] === 'settings') return EXPR_SCOPES.tokenResponse;
  return undefined;
}

export function authMethodFields(method: unknown, base: Path, sink: Sink): void {
  componentFields(authKinds, method, base, sink, undefined, authScope);
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

/** `setup` and `teardown` steps: their requests and the expressions over their answers. */
function stepFields(m: Record<string, unknown>, sink: Sink): void {
  for (const section of ['setup', 'teardown'] as const) {
    const list = m[section];
    if (!Array.isArray(list)) continue;
    list.forEach((s, i) => {
      if (!isPlainObject(s)) return;
      const base: Path = [section, i];
      requestFields(s.request, [...base, 'request'], section === 'setup' ? ROOTS.setupRequest : ROOTS.teardownRequest, `${section} request`, sink);
      if (section === 'setup') httpFields(s.http, [...base, 'http'], sink);
      for (const k of ['from', 'id', 'label']) expr(sink, s, base, ['choose', k], undefined, EXPR_SCOPES.setupResponse);
      for (const block of ['settings', 'credentials'] as const) eachEntry(s[block], (k) => expr(sink, s, base, [block, k], undefined, EXPR_SCOPES.setupResponse));
    });
  }
}

/** A stream's fields; `dynamic`: a family's template, whose templates also see `item`. */
function streamFields(s: unknown, base: Path, owner: NonNullable<Field['owner']>, sink: Sink, dynamic = false): void {
  if (!isPlainObject(s)) return;
  const child = s.parent !== undefined && !dynamic;
  const roots = dynamic ? ROOTS.dynamicStreamRequest : child ? ROOTS.childStreamRequest : ROOTS.streamRequest;
  requestFields(s.request, [...base, 'request'], roots, dynamic ? 'dynamic stream request' : child ? 'child stream request' : 'stream request', sink, owner);
  httpFields(s.http, [...base, 'http'], sink, owner);
  const mapping = dynamic ? EXPR_SCOPES.dynamicMapping : child ? EXPR_SCOPES.childMapping : EXPR_SCOPES.mapping;
  for (const k of STREAM_EXPRS) expr(sink, s, base, [k], owner, k === 'mapping' ? mapping : dynamic ? EXPR_SCOPES.dynamicRecords : EXPR_SCOPES.records);
  if (isPlainObject(s.cursor)) tpl(sink, s.cursor.initial, [...base, 'cursor', 'initial'], dynamic ? ROOTS.dynamicCursorInitial : ROOTS.cursorInitial, 'cursor.initial', owner);
  expr(sink, s, base, ['deleted'], owner, EXPR_SCOPES.rawRecord);
  if (isPlainObject(s.state)) {
    eachEntry(s.state.keep, (k) => expr(sink, s, base, ['state', 'keep', k], owner, EXPR_SCOPES.page));
    tpl(sink, s.state.resume, [...base, 'state', 'resume'], dynamic ? ROOTS.dynamicStreamResume : child ? ROOTS.childStreamResume : ROOTS.streamResume, 'state.resume', owner);
  }
  if (isPlainObject(s.get)) {
    requestFields(s.get.request, [...base, 'get', 'request'], ROOTS.streamGet, 'single-record request', sink, owner);
    expr(sink, s.get, [...base, 'get'], ['record'], owner, EXPR_SCOPES.response);
  }
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
    expr(sink, m.check, ['check'], ['output'], undefined, EXPR_SCOPES.response);
    eachEntry(m.check.settings, (k) => expr(sink, m.check, ['check'], ['settings', k], undefined, EXPR_SCOPES.response));
  }
  eachEntry(m.actions, (name, a) => {
    if (!isPlainObject(a)) return;
    const owner = { section: 'actions' as const, name };
    const base: Path = ['actions', name];
    requestFields(a.request, [...base, 'request'], ROOTS.actionRequest, 'action request', sink, owner);
    httpFields(a.http, [...base, 'http'], sink, owner);
    for (const k of ACTION_EXPRS) expr(sink, a, base, [k], owner, k === 'output' ? EXPR_SCOPES.actionOutput : EXPR_SCOPES.records);
  });
  eachEntry(m.streams, (name, s) => streamFields(s, ['streams', name], { section: 'streams', name }, sink));
  eachEntry(m.dynamic_streams, (name, f) => {
    if (!isPlainObject(f)) return;
    const base: Path = ['dynamic_streams', name];
    const owner = { section: 'dynamic_streams' as const, name };
    if (isPlainObject(f.discover)) {
      const d = f.discover;
      requestFields(d.request, [...base, 'discover', 'request'], ROOTS.checkRequest, 'discovery request', sink, owner);
      httpFields(d.http, [...base, 'discover', 'http'], sink, owner);
      expr(sink, d, [...base, 'discover'], ['items'], owner, EXPR_SCOPES.records);
      for (const k of ['key', 'title', 'primary_key']) expr(sink, d, [...base, 'discover'], [k], owner, EXPR_SCOPES.discoveredItem);
    }
    streamFields(f.stream, [...base, 'stream'], owner, sink, true);
  });
  stepFields(m, sink);
  eachEntry(m.environments, (name, e) => {
    if (!isPlainObject(e)) return;
    const base: Path = ['environments', name];
    tpl(sink, e.base_url, [...base, 'base_url'], ROOTS.http, 'http');
    if (isPlainObject(e.oauth)) for (const f of ['authorize_url', 'token_url', 'refresh_url', 'revoke_url']) tpl(sink, e.oauth[f], [...base, 'oauth', f], ROOTS.auth, 'auth method');
  });
  const w = m.webhooks;
  if (isPlainObject(w)) {
    const base: Path = ['webhooks'];
    for (const rel of WEBHOOK_EXPRS) expr(sink, w, base, rel, undefined, WEBHOOK_SCOPES[rel.join('.')]);
    replyFields(w.handshake, [...base, 'handshake'], ['response'], EXPR_SCOPES.webhookHandshake, sink);
    replyFields(w.ack, [...base, 'ack'], [], EXPR_SCOPES.webhookAck, sink);
    if (w.verify !== undefined) componentFields(verifiers, w.verify, [...base, 'verify'], sink);
    if (isPlainObject(w.connection)) tpl(sink, w.connection.secret, [...base, 'connection', 'secret'], ROOTS.connectorSecret, 'connector-level webhook secret');
    // Route `when` and every action's expressions run over `{event, body, headers}` (webhooks/process.ts).
    if (Array.isArray(w.routes)) w.routes.forEach((r, i) => componentFields(routeActions, r, [...base, 'routes', i], sink, undefined, routeScope(r)));
    for (const op of ['subscribe', 'unsubscribe'] as const) {
      const block = w[op];
      if (isPlainObject(block)) requestFields(block.request, [...base, op, 'request'], ROOTS.subscribeRequest, `${op} request`, sink);
    }
    if (Array.isArray(w.subscriptions)) w.subscriptions.forEach((s, i) => subscriptionFields(s, [...base, 'subscriptions', i], sink));
  }
  return out;
}

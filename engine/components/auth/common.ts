/**
 * Helpers shared by auth strategies: reading a method's templates and expressions (with the
 * manifest's documented defaults) and the live template context after a token refresh.
 */
import { ConnectorError } from '../../core/errors.js';
import { compileExpr, type CompiledExpr } from '../../lang/expr.js';
import type { PlanAuthMethod } from '../../plan/plan.js';
import { compileTemplate, type CompiledTemplate } from '../../lang/template.js';
import type { TemplateContext } from '../../lang/template.js';
import type { Connection } from '../../core/wire.js';
import type { AuthContext } from './types.js';

const defaults = new Map<string, CompiledTemplate>();
const fromSpec = new WeakMap<PlanAuthMethod, Map<string, CompiledTemplate | CompiledExpr>>();

function specString(method: PlanAuthMethod, dotted: string): string | undefined {
  let cur: unknown = method.spec;
  for (const part of dotted.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return typeof cur === 'string' ? cur : undefined;
}

function cached<T extends CompiledTemplate | CompiledExpr>(method: PlanAuthMethod, key: string, make: () => T): T {
  let m = fromSpec.get(method);
  if (!m) fromSpec.set(method, (m = new Map()));
  let v = m.get(key) as T | undefined;
  if (!v) m.set(key, (v = make()));
  return v;
}

/**
 * The compiled template for a method field: the plan's, else compiled from the spec (plans
 * built by hand), else the documented default.
 */
export function methodTemplate(method: PlanAuthMethod, name: string, fallback?: string): CompiledTemplate | undefined {
  const t = method.templates[name];
  if (t) return t;
  const src = specString(method, name);
  if (src !== undefined) return cached(method, `t:${name}`, () => compileTemplate(src));
  if (fallback === undefined) return undefined;
  let d = defaults.get(fallback);
  if (!d) defaults.set(fallback, (d = compileTemplate(fallback)));
  return d;
}

export function methodExpr(method: PlanAuthMethod, name: string): CompiledExpr | undefined {
  const e = method.exprs[name];
  if (e) return e;
  const src = specString(method, name);
  if (src === undefined) return undefined;
  return cached(method, `e:${name}`, () => compileExpr(src, { path: `auth.${name}` }));
}

/** Setting names of `settings:` expressions, from the plan's exprs or the spec. */
export function settingNames(method: PlanAuthMethod): string[] {
  const names = new Set<string>();
  for (const k of Object.keys(method.exprs)) if (k.startsWith('settings.')) names.add(k.slice('settings.'.length));
  const spec = method.spec.settings;
  if (spec && typeof spec === 'object') for (const k of Object.keys(spec)) names.add(k);
  return [...names];
}

/** The template context with the connection's current credentials and settings (they change on refresh). */
export function liveContext(ctx: AuthContext): TemplateContext {
  return {
    ...ctx.template,
    credentials: { ...(ctx.template.credentials ?? {}), ...(ctx.connection.credentials ?? {}) },
    settings: { ...(ctx.template.settings ?? {}), ...(ctx.connection.settings ?? {}) },
  };
}

interface RenderedFor {
  template: TemplateContext;
  credentials: Connection['credentials'];
  settings: Connection['settings'];
  values: Map<CompiledTemplate, string>;
}

/**
 * Rendered credentials per connection, valid while the connection keeps the same template
 * context and the same credentials and settings objects: a token refresh replaces those
 * objects (never mutates them), so a refreshed connection misses and renders afresh.
 * Rendering through Handlebars on every request was a measurable share of a fast read.
 */
const rendered = new WeakMap<Connection, RenderedFor>();

function renderedFor(ctx: AuthContext): RenderedFor {
  const { connection } = ctx;
  let entry = rendered.get(connection);
  if (!entry || entry.template !== ctx.template || entry.credentials !== connection.credentials || entry.settings !== connection.settings) {
    entry = { template: ctx.template, credentials: connection.credentials, settings: connection.settings, values: new Map() };
    rendered.set(connection, entry);
  }
  return entry;
}

/**
 * A method field rendered against the live context (see `renderCredential`), remembered until
 * the connection's credentials change. Templates reading the clock render every time.
 */
export function liveCredential(ctx: AuthContext, name: string, fallback: string, what: string): string {
  const t = methodTemplate(ctx.method, name, fallback)!;
  if (/\bnow\b/.test(t.source)) return renderCredential(t, liveContext(ctx), what, ctx.method);
  const entry = renderedFor(ctx);
  let value = entry.values.get(t);
  if (value === undefined) {
    value = renderCredential(t, liveContext(ctx), what, ctx.method);
    entry.values.set(t, value);
  }
  return value;
}

/** Render a credential; an empty result is a configuration problem named without its value. */
export function renderCredential(t: CompiledTemplate, tctx: TemplateContext, what: string, method: PlanAuthMethod): string {
  let value: string;
  try {
    value = t.render(tctx);
  } catch (err) {
    throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `auth method ${method.name}: ${what} template failed: ${(err as Error).message}` });
  }
  if (value === '') {
    throw new ConnectorError({ kind: 'auth', origin: 'connection', message: `auth method ${method.name}: ${what} is empty (template ${t.source}); the connection lacks that credential` });
  }
  return value;
}

/** A duration from the spec: milliseconds (compiled plans) or a `30s`-style string (hand-written). */
export function specDurationMs(value: unknown, fallback: number): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
    if (m) return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms'];
  }
  return fallback;
}

/** `<header>: <scheme> <token>`; an empty scheme sends the bare token. */
export function putToken(req: { headers: Record<string, string> }, method: PlanAuthMethod, token: string): string {
  const header = typeof method.spec.header === 'string' && method.spec.header ? method.spec.header : 'Authorization';
  const scheme = typeof method.spec.scheme === 'string' ? method.spec.scheme : 'Bearer';
  const value = scheme ? `${scheme} ${token}` : token;
  req.headers[header.toLowerCase()] = value;
  return value;
}

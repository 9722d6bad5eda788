/**
 * Helpers shared by auth strategies: a method's compiled templates and expressions (the
 * compiler filled in every declared default, so nothing is compiled here) and the live
 * template context after a token refresh.
 */
import { ConnectorError } from '../../core/errors.js';
import type { CompiledExpr } from '../../lang/expr.js';
import type { PlanAuthMethod } from '../../plan/plan.js';
import type { CompiledTemplate } from '../../lang/template.js';
import type { TemplateContext } from '../../lang/template.js';
import type { Connection, OutboundRequest } from '../../core/wire.js';
import type { AuthContext } from './types.js';

/** What every auth template sees. */
export const AUTH_ROOTS = ['config', 'credentials', 'settings', 'environment'] as const;
/**
 * What templates rendered on each API request see: the auth roots plus the operator's
 * connector secrets (`secrets.*`). Token endpoint templates do not get them: the platform's
 * consent and background refresh render those without a connection's request context.
 */
export const AUTH_REQUEST_ROOTS = [...AUTH_ROOTS, 'secrets'] as const;

/** The compiled template of a method field, when the manifest or the field's default gives one. */
export function methodTemplate(method: PlanAuthMethod, name: string): CompiledTemplate | undefined {
  return Object.hasOwn(method.templates, name) ? method.templates[name] : undefined;
}

/** A template the kind declares with a default: absent only in a plan not built by the compiler. */
export function declaredTemplate(method: PlanAuthMethod, name: string): CompiledTemplate {
  const t = methodTemplate(method, name);
  if (!t) throw new ConnectorError({ kind: 'internal', origin: 'caller', message: `auth method ${method.name}: the plan has no \`${name}\` template; build plans with the manifest compiler` });
  return t;
}

export function methodExpr(method: PlanAuthMethod, name: string): CompiledExpr | undefined {
  return Object.hasOwn(method.exprs, name) ? method.exprs[name] : undefined;
}

/** Setting names of `settings:` expressions. */
export function settingNames(method: PlanAuthMethod): string[] {
  return Object.keys(method.exprs).filter((k) => k.startsWith('settings.')).map((k) => k.slice('settings.'.length));
}

/**
 * The template context with the connection's current credentials and settings (they change
 * on refresh) and the operator's connector secrets the host gave the connection.
 */
export function liveContext(ctx: AuthContext): TemplateContext {
  return {
    ...ctx.template,
    credentials: { ...(ctx.template.credentials ?? {}), ...(ctx.connection.credentials ?? {}) },
    settings: { ...(ctx.template.settings ?? {}), ...(ctx.connection.settings ?? {}) },
    secrets: { ...(ctx.connection.secrets ?? {}) },
  };
}

interface RenderedFor {
  template: TemplateContext;
  credentials: Connection['credentials'];
  settings: Connection['settings'];
  secrets: Connection['secrets'];
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
  if (!entry || entry.template !== ctx.template || entry.credentials !== connection.credentials || entry.settings !== connection.settings || entry.secrets !== connection.secrets) {
    entry = { template: ctx.template, credentials: connection.credentials, settings: connection.settings, secrets: connection.secrets, values: new Map() };
    rendered.set(connection, entry);
  }
  return entry;
}

/**
 * A method field rendered against the live context (see `renderCredential`), remembered until
 * the connection's credentials change. Templates reading the clock render every time.
 */
export function liveCredential(ctx: AuthContext, name: string, what: string): string {
  const t = declaredTemplate(ctx.method, name);
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

/**
 * The shared `query` field of every auth kind: parameters rendered against the live context
 * and sent with each request beside the kind's own credentials (redacted like them). A value
 * that renders empty is left out, so an optional proof needs no second method.
 */
export function applyAuthQuery(req: OutboundRequest, ctx: AuthContext): void {
  const extra = ctx.method.spec.query;
  if (!extra || typeof extra !== 'object') return;
  let tctx: TemplateContext | undefined;
  for (const name of Object.keys(extra)) {
    const t = methodTemplate(ctx.method, `query.${name}`);
    if (!t) continue;
    let value: string;
    try {
      value = t.render((tctx ??= liveContext(ctx)));
    } catch (err) {
      throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `auth method ${ctx.method.name}: query.${name} template failed: ${(err as Error).message}` });
    }
    if (value === '') continue;
    ctx.addSecret?.(value);
    req.query = req.query.filter(([k]) => k !== name);
    req.query.push([name, value]);
  }
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

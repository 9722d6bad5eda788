/**
 * Points a plan at a case's scripted server. The connection's base URL already replaces the
 * manifest's, but the endpoints an auth method calls itself (a token, refresh or revoke URL)
 * are full URLs of their own: a case that refreshes a token, or a consent's code exchange,
 * would reach the real provider with fixture secrets. Every such URL is rewritten here to the
 * scripted server (its path kept, so the exchange can assert it), and a case can never call
 * the real one. The authorize URL is the one left alone: a browser visits it, nothing sends it.
 */
import type { CompiledTemplate, TemplateContext } from '../lang/template.js';
import type { Plan, PlanAuthMethod } from '../plan/plan.js';

/** Auth-method templates the engine itself sends requests to. */
export function isCalledUrl(name: string): boolean {
  return name.endsWith('_url') && name !== 'authorize_url';
}

/** `https://host/p?q` → `<server>/p?q`: only the origin is the provider's. */
export function onServer(url: string, serverUrl: string): string {
  const m = /^[a-z][a-z\d+.-]*:\/\/[^/?#]*/i.exec(url);
  const rest = m ? url.slice(m[0].length) : url.startsWith('/') ? url : `/${url}`;
  return `${serverUrl}${rest}`;
}

function rewritten(t: CompiledTemplate, serverUrl: string): CompiledTemplate {
  return {
    source: t.source,
    whole: t.whole,
    literal: t.literal,
    render: (ctx) => {
      const url = t.render(ctx);
      // An empty URL stays empty: the kind's own "not configured" answer is what a case tests then.
      return url === '' ? url : onServer(url, serverUrl);
    },
    value: (ctx) => {
      const v = t.value(ctx);
      return typeof v === 'string' && v !== '' ? onServer(v, serverUrl) : v;
    },
  };
}

function pointMethod(method: PlanAuthMethod, serverUrl: string): PlanAuthMethod {
  const templates = Object.fromEntries(Object.entries(method.templates).map(([name, t]) => [name, isCalledUrl(name) ? rewritten(t, serverUrl) : t]));
  return { ...method, templates };
}

/** The plan with every URL its auth methods call on the scripted server; everything else shared. */
export function pointAuthAt(plan: Plan, serverUrl: string): Plan {
  if (!plan.auth) return plan;
  const point = (ms: Readonly<Record<string, PlanAuthMethod>>) => Object.fromEntries(Object.entries(ms).map(([name, m]) => [name, pointMethod(m, serverUrl)]));
  const envs = plan.environments;
  return {
    ...plan,
    auth: { ...plan.auth, methods: point(plan.auth.methods) },
    // Each environment carries its own copy of the methods (its OAuth hosts): those too.
    ...(envs ? { environments: { ...envs, byName: Object.fromEntries(Object.entries(envs.byName).map(([n, e]) => [n, { ...e, methods: point(e.methods) }])) } } : {}),
  };
}

/**
 * The scripted server as the connection's base URL, keeping the path of the manifest's own
 * (`https://{{config.shop}}.shops.example.com/admin/api/2024-07` → `<server>/admin/api/2024-07`),
 * so exchanges are written with the paths the provider documents.
 */
export function scriptedBaseUrl(plan: Plan, ctx: TemplateContext, serverUrl: string, environment?: string): string {
  const envs = plan.environments;
  const name = environment ?? envs?.default;
  // An undeclared name fails the operation itself, with the engine's own message.
  const env = envs && name !== undefined && Object.hasOwn(envs.byName, name) ? envs.byName[name] : undefined;
  const t = env?.baseUrl ?? plan.http.baseUrl;
  if (!t) return serverUrl;
  let path = '';
  try {
    path = new URL(t.render(env ? { ...ctx, environment: { name: env.name } } : ctx)).pathname.replace(/\/+$/, '');
  } catch {
    // A base URL the case's values cannot render fails the operation itself, with its own message.
  }
  return `${serverUrl}${path}`;
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/** A compiled request (action, stream, check, set-up step, subscription…): a method, query and headers lists and a source location. */
function isRequest(v: Record<string, unknown>): boolean {
  return typeof v.method === 'string' && Array.isArray(v.query) && Array.isArray(v.headers) && isPlain(v.loc);
}

/**
 * The plan with every request that names its own absolute `url` (a second API host, a
 * `{{settings.next_url}}`) sent to the scripted server instead, its path kept: a case then
 * never reaches a real host with fixture credentials, whatever the manifest's URLs say.
 * Plain objects and arrays are copied where a request changes; compiled templates and
 * expressions are left as they are.
 */
export function pointRequestsAt<T>(value: T, serverUrl: string): T {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      const out = v.map(walk);
      return out.some((x, i) => x !== v[i]) ? out : v;
    }
    if (!isPlain(v)) return v;
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const y = k === 'url' && isRequest(v) && x ? rewritten(x as CompiledTemplate, serverUrl) : walk(x);
      if (y !== x) changed = true;
      out[k] = y;
    }
    return changed ? out : v;
  };
  return walk(value) as T;
}

/**
 * Every string in `value` that starts with origin `from` starts with `to` instead. A stream's
 * state can hold a whole URL (a delta link): a case writes it as `{{base_url}}/…`, as its
 * scripted responses do, the read runs against the scripted server, and the state it ends
 * with is compared in the same terms.
 */
export function swapOrigin(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') return value === from || value.startsWith(`${from}/`) || value.startsWith(`${from}?`) ? `${to}${value.slice(from.length)}` : value;
  if (Array.isArray(value)) return value.map((v) => swapOrigin(v, from, to));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swapOrigin(v, from, to)]));
  return value;
}

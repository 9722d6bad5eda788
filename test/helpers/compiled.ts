/**
 * Plan pieces for request-path tests, compiled by the real manifest compiler from the
 * blocks a connector author writes (`auth`, `http`, one action's `request`). A snippet is
 * wrapped in the smallest valid manifest, validated and compiled by `compileSource`, so a
 * compiler change shows up here, and an invalid snippet fails loudly with the validator's
 * own diagnostics.
 */
import { parse, stringify } from 'yaml';
import type { AuthContext } from '../../engine/components/auth/types.js';
import type { Connection, CredentialsListener } from '../../engine/core/wire.js';
import { compileSource, type Diagnostic } from '../../engine/plan/index.js';
import type { Plan, PlanAuth, PlanAuthMethod, PlanHttp, PlanRequest } from '../../engine/plan/plan.js';
import type { HttpClient } from '../../engine/run/http/client.js';
import type { TemplateContext } from '../../engine/run/http/render.js';

/** A manifest block (`auth`, `http`, `request` …) as plain data, manifest key names. */
export type Block = Record<string, unknown>;

/** The blocks a connector author writes, as an object or as YAML text with these keys. */
export interface Snippet {
  /** The manifest's `auth` block; default `{ type: none }`. */
  auth?: Block;
  /** The connector-level `http` block; default `{}`. */
  http?: Block;
  /** The request of action `test`; default `{ path: / }`. */
  request?: Block;
  /** The action's own `http` override, if any. */
  actionHttp?: Block;
  /** Top-level `config` / `credentials` JSON Schemas, when a snippet wants them declared. */
  config?: Block;
  credentials?: Block;
}

export interface CompileOptions {
  /** Connector id (the folder name too); default `demo`. */
  id?: string;
  /** Warning codes the snippet is expected to draw (e.g. `secret-in-query`); any other warning fails. */
  allowWarnings?: string[];
}

export interface Compiled {
  plan: Plan;
  /** `actions.test.request`. */
  request: PlanRequest;
  /** `actions.test.http`: the connector's `http` merged with the action's override, as the runtime uses it. */
  http: PlanHttp;
  auth: PlanAuth;
  /** The default auth method. */
  method: PlanAuthMethod;
}

/** The action every snippet's request belongs to, so error locations read `actions.test.request…`. */
export const ACTION = 'test';

function asSnippet(s: Snippet | string): Snippet {
  if (typeof s !== 'string') return s;
  const v = parse(s) as unknown;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`snippet is not a YAML mapping:\n${s}`);
  return v as Snippet;
}

/** The smallest valid manifest around a snippet, as YAML text. */
export function manifestFor(snippet: Snippet | string, id = 'demo'): string {
  const s = asSnippet(snippet);
  const manifest: Block = {
    patchbay: 1,
    id,
    name: `Test ${id}`,
    ...(s.config ? { config: s.config } : {}),
    ...(s.credentials ? { credentials: s.credentials } : {}),
    auth: s.auth ?? { type: 'none' },
    http: s.http ?? {},
    actions: { [ACTION]: { request: s.request ?? { path: '/' }, ...(s.actionHttp ? { http: s.actionHttp } : {}) } },
  };
  return stringify(manifest);
}

const show = (d: Diagnostic) => `${d.line}:${d.column} ${d.severity} ${d.code} at ${d.path || '(root)'}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`;

/** Validates and compiles a snippet with the real compiler; throws with the diagnostics when it does not pass. */
export function compileSnippet(snippet: Snippet | string, options: CompileOptions = {}): Compiled {
  const id = options.id ?? 'demo';
  const source = manifestFor(snippet, id);
  const { plan, diagnostics } = compileSource(source, `/virtual/${id}/connector.yaml`);
  const allowed = new Set(options.allowWarnings ?? []);
  const unexpected = diagnostics.filter((d) => d.severity === 'error' || !allowed.has(d.code));
  if (!plan || unexpected.length) {
    throw new Error(`test snippet does not validate:\n${unexpected.map(show).join('\n')}\n--- manifest ---\n${source}`);
  }
  const action = plan.actions[ACTION];
  const method = plan.auth.methods[plan.auth.defaultMethod];
  return { plan, request: action.request, http: action.http, auth: plan.auth, method };
}

/** One action request, compiled under the given connector `http` block. */
export function compileRequest(request: Block, http: Block = {}): PlanRequest {
  return compileSnippet({ request, http }).request;
}

/** A connector `http` block, compiled as an action sees it. */
export function compileHttp(http: Block = {}): PlanHttp {
  return compileSnippet({ http }).http;
}

/** An `auth` block, compiled to its default method. */
export function compileAuthMethod(auth: Block, options: CompileOptions = {}): PlanAuthMethod {
  return compileSnippet({ auth }, options).method;
}

/** The template context a compiled request renders with, from a connection. */
export function templateContext(conn: Connection, extra: Partial<TemplateContext> = {}): TemplateContext {
  return { config: conn.config ?? {}, credentials: conn.credentials ?? {}, settings: conn.settings ?? {}, ...extra };
}

/** The context an auth strategy applies a compiled method with. */
export function authContext(method: PlanAuthMethod, connection: Connection, http: HttpClient, onCredentials?: CredentialsListener): AuthContext {
  return { method, connection, template: templateContext(connection), http, onCredentials };
}

/**
 * `setup`, `teardown` and `environments` → the plan. An environment's OAuth URLs are
 * compiled into a copy of every auth method that declares them, so everything that reads a
 * method (the consent flow, the refresher, the OAuth host rule) sees the environment's
 * endpoints without knowing environments exist.
 */
import type { Path } from '../manifest/diagnostics.js';
import type { CompileContext } from './compile-context.js';
import { compileAuth } from './compile-auth.js';
import { compileHttp, layersFor } from './compile-http.js';
import { compileRequest } from './compile-request.js';
import { isPlainObject } from '../core/objects.js';
import { proofHost } from '../manifest/proof-origin.js';
import { authMethods } from '../manifest/fields.js';
import type { PlanEnvironment, PlanEnvironments, PlanSetupStep } from './plan.js';

type Obj = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The OAuth fields an environment may replace in the auth methods that declare them. */
export const ENVIRONMENT_OAUTH_FIELDS = ['authorize_url', 'token_url', 'refresh_url', 'revoke_url'] as const;

function exprMap(ctx: CompileContext, v: unknown, path: Path) {
  if (!isPlainObject(v)) return undefined;
  return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, ctx.expr([...path, k], String(e))]));
}

function compileStep(ctx: CompileContext, m: Obj, section: 'setup' | 'teardown', s: Obj, index: number): PlanSetupStep {
  const path: Path = [section, index];
  const req = isPlainObject(s.request) ? s.request : undefined;
  let request: PlanSetupStep['request'];
  if (req) {
    const http = compileHttp(ctx, layersFor(m, section === 'setup' ? s.http : undefined, [...path, 'http']));
    const origin = str(req.url) ?? http.baseUrl?.source;
    const fixed = origin !== undefined ? proofHost(origin) : undefined;
    request = { request: compileRequest(ctx, req, [...path, 'request']), http, ...(fixed ? { proofHost: fixed } : {}) };
  }
  const choose = isPlainObject(s.choose) ? s.choose : undefined;
  const settings = exprMap(ctx, s.settings, [...path, 'settings']);
  const credentials = exprMap(ctx, s.credentials, [...path, 'credentials']);
  return {
    name: str(s.name) ?? `${section}[${index}]`,
    index,
    ...(Array.isArray(s.auth) ? { auth: s.auth.map(String) } : {}),
    ...(isPlainObject(s.capture) ? { capture: Object.fromEntries(Object.entries(s.capture).map(([k, v]) => [k, String(v)])) } : {}),
    ...(request ? { request } : {}),
    ...(choose ? {
      choose: {
        ...(str(choose.from) !== undefined ? { from: ctx.expr([...path, 'choose', 'from'], choose.from as string) } : {}),
        id: ctx.expr([...path, 'choose', 'id'], String(choose.id)),
        ...(str(choose.label) !== undefined ? { label: ctx.expr([...path, 'choose', 'label'], choose.label as string) } : {}),
      },
    } : {}),
    ...(settings ? { settings } : {}),
    ...(credentials ? { credentials } : {}),
    loc: ctx.loc(path, 'key'),
  };
}

export function compileSteps(ctx: CompileContext, m: Obj, section: 'setup' | 'teardown'): PlanSetupStep[] | undefined {
  const list = m[section];
  if (!Array.isArray(list) || list.length === 0) return undefined;
  return list.map((s, i) => compileStep(ctx, m, section, isPlainObject(s) ? s : {}, i));
}

/** The manifest with one environment's OAuth URLs (and hosts) put into every auth method that has such URLs. */
function authFor(m: Obj, oauth: Obj): Obj {
  const auth = isPlainObject(m.auth) ? m.auth : {};
  const patch = (method: Obj): Obj => {
    if (!ENVIRONMENT_OAUTH_FIELDS.some((f) => method[f] !== undefined)) return method;
    const out: Obj = { ...method };
    for (const f of ENVIRONMENT_OAUTH_FIELDS) if (out[f] !== undefined && oauth[f] !== undefined) out[f] = oauth[f];
    if (Array.isArray(oauth.hosts)) out.hosts = oauth.hosts;
    return out;
  };
  if (auth.methods === undefined) return { ...m, auth: patch(auth) };
  const methods: Obj = {};
  for (const { name, method } of authMethods(auth)) methods[name] = patch(method);
  return { ...m, auth: { ...auth, methods } };
}

export function compileEnvironments(ctx: CompileContext, m: Obj): PlanEnvironments | undefined {
  if (!isPlainObject(m.environments) || Object.keys(m.environments).length === 0) return undefined;
  const byName: Record<string, PlanEnvironment> = Object.create(null);
  let declaredDefault: string | undefined;
  for (const [name, raw] of Object.entries(m.environments)) {
    const e = isPlainObject(raw) ? raw : {};
    const path: Path = ['environments', name];
    const base = str(e.base_url);
    const fixed = base !== undefined ? proofHost(base) : undefined;
    if (e.default === true && declaredDefault === undefined) declaredDefault = name;
    byName[name] = {
      name,
      ...(str(e.title) !== undefined ? { title: e.title as string } : {}),
      ...(base !== undefined ? { baseUrl: ctx.template([...path, 'base_url'], base) } : {}),
      ...(fixed ? { proofHost: fixed } : {}),
      methods: compileAuth(ctx, authFor(m, isPlainObject(e.oauth) ? e.oauth : {})).methods,
    };
  }
  const names = Object.keys(byName);
  return { byName, names, default: declaredDefault ?? names[0] };
}

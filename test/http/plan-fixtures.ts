/**
 * Plan pieces built by hand for request-path tests: the same shapes the manifest compiler
 * produces, without needing a whole manifest.
 */
import { compileExpr } from '../../engine/lang/expr.js';
import type { AuthContext } from '../../engine/components/auth/types.js';
import type { HttpClient } from '../../engine/run/http/client.js';
import type { TemplateContext } from '../../engine/run/http/render.js';
import type { Connection, CredentialsListener } from '../../engine/core/wire.js';
import type { AuthType, BodyFormat, BodyNode, HttpMethod, PlanAuthMethod, PlanHttp, PlanRateLimit, PlanRequest, PlanRetry } from '../../engine/plan/plan.js';
import type { ErrorKind } from '../../engine/core/errors.js';
import { compileTemplate, type CompiledTemplate } from '../../engine/lang/template.js';
import { compileAuthBlock } from '../../engine/plan/compile-auth.js';

export const tpl = (src: string, kind: 'string' | 'path' = 'string'): CompiledTemplate => compileTemplate(src, kind);

export function bodyNode(v: unknown): BodyNode {
  if (typeof v === 'string') return { kind: 'template', template: tpl(v) };
  if (Array.isArray(v)) return { kind: 'array', items: v.map(bodyNode) };
  if (v && typeof v === 'object') return { kind: 'object', entries: Object.entries(v).map(([k, x]) => [k, bodyNode(x)]) };
  return { kind: 'literal', value: v as number | boolean | null };
}

export interface RequestSpec {
  method?: HttpMethod;
  path?: string;
  url?: string;
  query?: Record<string, string | number | boolean | Array<string | number | boolean>>;
  headers?: Record<string, string>;
  body?: unknown;
  body_expr?: string;
}

export function makeRequest(spec: RequestSpec = {}): PlanRequest {
  return {
    method: spec.method ?? 'GET',
    path: spec.path !== undefined ? tpl(spec.path, 'path') : undefined,
    url: spec.url !== undefined ? tpl(spec.url) : undefined,
    query: Object.entries(spec.query ?? {}).map(([name, v]) => ({
      name,
      values: (Array.isArray(v) ? v : [v]).map((x) => tpl(String(x))),
      repeated: Array.isArray(v),
    })),
    headers: Object.entries(spec.headers ?? {}).map(([name, s]) => ({ name, template: tpl(s) })),
    body: spec.body !== undefined ? bodyNode(spec.body) : undefined,
    bodyExpr: spec.body_expr ? compileExpr(spec.body_expr, { path: 'test.body_expr' }) : undefined,
    loc: { file: 'connector.yaml', line: 1, column: 1, path: 'actions.test.request' },
  };
}

export interface HttpSpec {
  base_url?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  bodyFormat?: BodyFormat;
  rateLimit?: Partial<PlanRateLimit>;
  retry?: Partial<Omit<PlanRetry, 'when' | 'backoff'>> & { when?: string; backoff?: Partial<PlanRetry['backoff']> };
  errors?: { when?: string; message?: string; code?: string; kinds?: Record<string, ErrorKind> };
}

/** Defaults mirror the manifest's, except tiny backoffs so tests stay fast. */
export function makeHttp(spec: HttpSpec = {}): PlanHttp {
  const r = spec.retry ?? {};
  return {
    baseUrl: spec.base_url !== undefined ? tpl(spec.base_url) : undefined,
    headers: Object.entries(spec.headers ?? {}).map(([name, s]) => ({ name, template: tpl(s) })),
    timeoutMs: spec.timeoutMs ?? 5000,
    bodyFormat: spec.bodyFormat ?? 'json',
    rateLimit: spec.rateLimit ? { scope: 'connection', resetFormat: 'epoch_seconds', ...spec.rateLimit } : undefined,
    retry: {
      statuses: r.statuses ?? [429, 502, 503, 504],
      maxAttempts: r.maxAttempts ?? 3,
      backoff: { initialMs: 5, maxMs: 20, factor: 2, ...r.backoff },
      waitHeaders: r.waitHeaders ?? ['retry-after'],
      maxWaitMs: r.maxWaitMs ?? 60_000,
      idempotencyHeader: r.idempotencyHeader,
      when: r.when ? compileExpr(r.when, { path: 'http.retry.when' }) : undefined,
    },
    errors: {
      when: spec.errors?.when ? compileExpr(spec.errors.when) : undefined,
      message: spec.errors?.message ? compileExpr(spec.errors.message) : undefined,
      code: spec.errors?.code ? compileExpr(spec.errors.code) : undefined,
      kinds: spec.errors?.kinds ?? {},
    },
    pagination: { type: 'none', maxPages: 10_000 },
  };
}

/** An auth method as the compiler produces it from an auth block (declared defaults, templates and JSONata compiled). */
export function makeAuth(type: AuthType | (string & {}), spec: Record<string, unknown> = {}, name = 'default'): PlanAuthMethod {
  return compileAuthBlock({ type, ...spec }, name);
}

export function templateContext(conn: Connection, extra: Partial<TemplateContext> = {}): TemplateContext {
  return { config: conn.config ?? {}, credentials: conn.credentials ?? {}, settings: conn.settings ?? {}, ...extra };
}

export function authContext(method: PlanAuthMethod, connection: Connection, http: HttpClient, onCredentials?: CredentialsListener): AuthContext {
  return { method, connection, template: templateContext(connection), http, onCredentials };
}

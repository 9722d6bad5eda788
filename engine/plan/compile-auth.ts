/**
 * Auth blocks → PlanAuth. Strategies read `spec` by manifest names; the compiler only fills
 * the documented defaults and compiles every template and expression, so no strategy
 * parses a string at request time.
 */
import type { CompiledExpr } from '../lang/expr.js';
import type { CompiledTemplate } from '../lang/template.js';
import type { Path } from '../manifest/diagnostics.js';
import type { CompileContext } from './compile-context.js';
import { compileSchema, mergeObjectSchemas } from './compile-schemas.js';
import { durationOr } from '../manifest/durations.js';
import { isPlainObject } from '../manifest/extends.js';
import { AUTH_EXPR_MAPS, AUTH_EXPRS, AUTH_TEMPLATE_MAPS, AUTH_TEMPLATES, authMethods } from '../manifest/fields.js';
import type { AuthType, PlanAuth, PlanAuthMethod } from './plan.js';

/** Spec defaults by type, as documented in the schema. */
const SPEC_DEFAULTS: Partial<Record<AuthType, Record<string, unknown>>> = {
  api_key: { in: 'header' },
  oauth2: { grant: 'authorization_code', pkce: true, refresh: true, client_auth: 'body', refresh_skew: '60s' },
};

/** Template defaults by type: where the secret comes from when the manifest does not say. */
const TEMPLATE_DEFAULTS: Partial<Record<AuthType, Record<string, string>>> = {
  api_key: { value: '{{credentials.api_key}}' },
  basic: { username: '{{credentials.username}}', password: '{{credentials.password}}' },
  bearer: { token: '{{credentials.token}}' },
  oauth2: { token: '{{credentials.access_token}}' },
};

const EXPR_DEFAULTS: Partial<Record<AuthType, Record<string, string>>> = {
  oauth2: {
    'token_fields.access_token': 'access_token',
    'token_fields.refresh_token': 'refresh_token',
    'token_fields.expires_in': 'expires_in',
    'token_fields.scope': 'scope',
  },
};

const DURATION_KEYS = ['refresh_skew'];

function compileMethod(ctx: CompileContext, name: string, method: Record<string, unknown>, path: Path, topCredentials: unknown): PlanAuthMethod {
  const type = method.type as AuthType;
  const spec: Record<string, unknown> = { ...SPEC_DEFAULTS[type], ...method };
  for (const k of DURATION_KEYS) if (spec[k] !== undefined) spec[k] = durationOr(spec[k], 0);

  const templates: Record<string, CompiledTemplate> = {};
  for (const [k, src] of Object.entries(TEMPLATE_DEFAULTS[type] ?? {})) templates[k] = ctx.template(path, src);
  for (const k of AUTH_TEMPLATES) if (typeof method[k] === 'string') templates[k] = ctx.template([...path, k], method[k] as string);
  for (const m of AUTH_TEMPLATE_MAPS) {
    const map = method[m];
    if (isPlainObject(map)) for (const [k, v] of Object.entries(map)) templates[`${m}.${k}`] = ctx.template([...path, m, k], String(v));
  }

  const exprs: Record<string, CompiledExpr> = {};
  for (const [k, src] of Object.entries(EXPR_DEFAULTS[type] ?? {})) exprs[k] = ctx.expr(path, src);
  for (const k of AUTH_EXPRS) if (typeof method[k] === 'string') exprs[k] = ctx.expr([...path, k], method[k] as string);
  for (const m of AUTH_EXPR_MAPS) {
    const map = method[m];
    if (isPlainObject(map)) for (const [k, v] of Object.entries(map)) if (typeof v === 'string') exprs[`${m}.${k}`] = ctx.expr([...path, m, k], v);
  }

  const credentialsSchema = mergeObjectSchemas(topCredentials, method.credentials);
  const validateCredentials = credentialsSchema ? compileSchema(ctx, credentialsSchema, method.credentials !== undefined ? [...path, 'credentials'] : ['credentials']) : undefined;
  return {
    name,
    type,
    ...(typeof method.label === 'string' ? { label: method.label } : {}),
    spec,
    templates,
    exprs,
    ...(credentialsSchema ? { credentialsSchema } : {}),
    ...(validateCredentials ? { validateCredentials } : {}),
  };
}

export function compileAuth(ctx: CompileContext, manifest: Record<string, unknown>): PlanAuth {
  const auth = isPlainObject(manifest.auth) ? manifest.auth : {};
  const methods: Record<string, PlanAuthMethod> = Object.create(null);
  for (const { name, path, method } of authMethods(auth)) methods[name] = compileMethod(ctx, name, method, path, manifest.credentials);
  const names = Object.keys(methods);
  const defaultMethod = typeof auth.default === 'string' ? auth.default : names[0] ?? 'default';
  return { methods, defaultMethod };
}

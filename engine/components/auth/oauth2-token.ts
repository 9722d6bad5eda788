/**
 * Token endpoint calls (RFC 6749 §4.1.3, §4.4, §6) and reading their answers. Providers
 * disagree on the shape (fields elsewhere, errors inside a 200, form-encoded replies), so the
 * manifest's `token_fields`, `error_when` and `settings` expressions read the response.
 */
import { ConnectorError } from '../../core/errors.js';
import type { PlanAuthMethod } from '../../plan/plan.js';
import { collectSecrets, redact } from '../../core/redact.js';
import type { HttpSender } from '../../core/wire.js';
import type { TemplateContext } from '../../lang/template.js';
import { methodExpr, methodTemplate, settingNames } from './common.js';
import { hostRefusal, pinnedRule, type HostRule } from './oauth2-hosts.js';
import { truthy } from '../../lang/truthy.js';

const TOKEN_TIMEOUT_MS = 30_000;

export interface TokenResult {
  accessToken: string;
  refreshToken?: string;
  /** Epoch ms; undefined when the provider gives no lifetime. */
  expiresAt?: number;
  scope?: string;
  tokenType?: string;
  /** Connection settings read from the response by the method's `settings` expressions. */
  settings: Record<string, unknown>;
}

export interface TokenRequest {
  method: PlanAuthMethod;
  /** Which endpoint template: `token_url`, or `refresh_url` (falls back to token_url). */
  endpoint: 'token_url' | 'refresh_url';
  /** Grant parameters (grant_type, code, refresh_token, …). */
  params: Record<string, string | undefined>;
  clientId?: string;
  clientSecret?: string;
  http: HttpSender;
  template: TemplateContext;
  /** Hosts the client may be sent to (an operator's app); a connection's pinned hosts apply as well. */
  hostRule?: HostRule;
  /** For messages. */
  connector?: string;
}

/** `expires_at` as epoch ms or ISO (or epoch seconds, told apart by size). */
export function expiresAtMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value < 1e12 ? value * 1000 : value;
  if (typeof value === 'string' && value.trim() !== '') {
    if (/^\d+$/.test(value.trim())) return expiresAtMs(Number(value));
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

/** The client's id and secret: from credentials, the id also from config. */
export function clientOf(tctx: TemplateContext): { id?: string; secret?: string } {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    id: str(tctx.credentials?.client_id) ?? str(tctx.config?.client_id),
    secret: str(tctx.credentials?.client_secret),
  };
}

function renderUrl(req: TokenRequest): string {
  const t = (req.endpoint === 'refresh_url' ? methodTemplate(req.method, 'refresh_url') : undefined) ?? methodTemplate(req.method, 'token_url');
  const url = t?.render(req.template) ?? '';
  if (!url) throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `auth method ${req.method.name}: token_url is missing or renders empty` });
  return url;
}

function extraParams(req: TokenRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const spec = req.method.spec.token_params;
  if (spec && typeof spec === 'object') {
    for (const k of Object.keys(spec)) {
      const v = methodTemplate(req.method, `token_params.${k}`)?.render(req.template);
      if (v) out[k] = v;
    }
  }
  return out;
}

function asObject(body: unknown): Record<string, unknown> {
  if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  // Some endpoints still answer form-encoded unless told otherwise.
  if (typeof body === 'string' && body.includes('=')) return Object.fromEntries(new URLSearchParams(body.trim()));
  return {};
}

async function field(method: PlanAuthMethod, name: string, body: Record<string, unknown>): Promise<unknown> {
  const expr = methodExpr(method, `token_fields.${name}`);
  return expr ? expr.evaluate(body) : body[name];
}

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

export async function requestToken(req: TokenRequest): Promise<TokenResult> {
  const { method } = req;
  const form: Record<string, string> = { ...extraParams(req) };
  for (const [k, v] of Object.entries(req.params)) if (v !== undefined && v !== '') form[k] = v;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method.spec.client_auth === 'basic' && req.clientId) {
    // RFC 6749 §2.3.1: form-encode id and secret before joining them.
    // application/x-www-form-urlencoded as URLSearchParams writes it (space → '+', `!'()~` escaped too).
    const enc = (s: string) => new URLSearchParams([['', s]]).toString().slice(1);
    headers.authorization = `Basic ${Buffer.from(`${enc(req.clientId)}:${enc(req.clientSecret ?? '')}`).toString('base64')}`;
  } else {
    if (req.clientId) form.client_id = req.clientId;
    if (req.clientSecret) form.client_secret = req.clientSecret;
  }
  const secrets = collectSecrets({ credentials: { ...req.template.credentials, ...req.params, client_secret: req.clientSecret } }, [headers.authorization ?? '']);
  const url = renderUrl(req);
  // Checked before anything is sent: the client's id and secret must not reach a host outside the rule.
  const urlField = req.endpoint === 'refresh_url' && methodTemplate(method, 'refresh_url') ? 'refresh_url' : 'token_url';
  for (const rule of [req.hostRule, pinnedRule(req.connector ?? 'this connector', req.template.settings)]) {
    const refused = rule && hostRefusal(rule, urlField, url);
    if (refused) throw refused;
  }
  const res = await req.http.send({ method: 'POST', url, query: [], headers, body: form, bodyFormat: 'form' }, { timeoutMs: TOKEN_TIMEOUT_MS });
  const body = asObject(res.body);

  const errorWhen = methodExpr(method, 'error_when');
  const flagged = errorWhen ? truthy(await errorWhen.evaluate(body, { status: res.status })) : false;
  const accessToken = text(await field(method, 'access_token', body));
  if (res.status >= 400 || flagged || !accessToken) {
    const code = text(body.error) ?? (typeof body.error === 'object' ? text((body.error as any)?.code) : undefined);
    const description = text(body.error_description) ?? text(body.message) ?? (typeof body.error === 'object' ? text((body.error as any)?.message) : undefined);
    const providerMessage = description ? redact(description, secrets) : undefined;
    const detail = [code, providerMessage].filter(Boolean).join(': ') || (accessToken ? 'error reported' : 'no access token in response');
    throw new ConnectorError({
      kind: 'auth', origin: 'provider',
      message: `OAuth token request (${String(req.params.grant_type)}) failed with HTTP ${res.status}: ${detail}`,
      status: res.status,
      providerCode: code,
      providerMessage,
      retryable: res.status >= 500,
      request: { method: 'POST', url: redact(url, secrets) },
    });
  }

  const expiresIn = Number(await field(method, 'expires_in', body));
  const settings: Record<string, unknown> = {};
  for (const name of settingNames(method)) {
    const v = await methodExpr(method, `settings.${name}`)?.evaluate(body);
    if (v !== undefined) settings[name] = v;
  }
  return {
    accessToken,
    refreshToken: text(await field(method, 'refresh_token', body)),
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? Date.now() + expiresIn * 1000 : undefined,
    scope: text(await field(method, 'scope', body)),
    tokenType: text(body.token_type),
    settings,
  };
}

/**
 * New credentials after a token response. A rotated refresh token replaces the old one; a
 * response without a lifetime clears the old expiry rather than leave a stale one behind.
 */
export function credentialsFromToken(old: Record<string, unknown>, r: TokenResult): Record<string, unknown> {
  const next: Record<string, unknown> = { ...old, access_token: r.accessToken };
  if (r.refreshToken) next.refresh_token = r.refreshToken;
  if (r.expiresAt !== undefined) next.expires_at = r.expiresAt;
  else delete next.expires_at;
  if (r.scope !== undefined) next.scope = r.scope;
  if (r.tokenType !== undefined) next.token_type = r.tokenType;
  return next;
}

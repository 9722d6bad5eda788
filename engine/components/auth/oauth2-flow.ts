/**
 * The authorization-code consent pieces: the authorize URL, PKCE pairs (RFC 7636, S256) and
 * the code exchange. The HTTP consent flow (state storage, callback route) builds on these.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ConnectorError } from '../../core/errors.js';
import type { PlanAuthMethod } from '../../plan/plan.js';
import type { HttpSender } from '../../core/wire.js';
import type { TemplateContext } from '../../lang/template.js';
import { methodTemplate } from './common.js';
import { credentialsFromToken, requestToken } from './oauth2-token.js';
import type { HostRule } from './oauth2-hosts.js';

export interface PkcePair {
  verifier: string;
  challenge: string;
  method: 'S256';
}

export function createPkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url'), method: 'S256' };
}

function emptyContext(partial?: Partial<TemplateContext>): TemplateContext {
  return { config: {}, credentials: {}, settings: {}, ...partial };
}

export interface AuthorizeUrlOptions {
  method: PlanAuthMethod;
  clientId: string;
  redirectUri: string;
  state: string;
  codeChallenge?: string;
  /** Defaults to the method's `scopes`. */
  scopes?: string[];
  /** For authorize_url templates that read config (a tenant's own domain). */
  template?: Partial<TemplateContext>;
}

export function buildAuthorizeUrl(opts: AuthorizeUrlOptions): string {
  const { method } = opts;
  const tctx = emptyContext(opts.template);
  const base = methodTemplate(method, 'authorize_url')?.render(tctx);
  if (!base) throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `auth method ${method.name}: authorize_url is missing or renders empty` });
  const url = new URL(base);
  const p = url.searchParams;
  p.set('response_type', 'code');
  p.set('client_id', opts.clientId);
  p.set('redirect_uri', opts.redirectUri);
  p.set('state', opts.state);
  const scopes = opts.scopes ?? (Array.isArray(method.spec.scopes) ? (method.spec.scopes as string[]) : []);
  if (scopes.length > 0) {
    p.set('scope', scopes.join(typeof method.spec.scope_separator === 'string' ? method.spec.scope_separator : ' '));
  }
  if (opts.codeChallenge) {
    p.set('code_challenge', opts.codeChallenge);
    p.set('code_challenge_method', 'S256');
  }
  const extra = method.spec.authorize_params;
  if (extra && typeof extra === 'object') {
    for (const k of Object.keys(extra)) {
      const v = methodTemplate(method, `authorize_params.${k}`)?.render(tctx);
      if (v) p.set(k, v);
    }
  }
  return url.toString();
}

export interface ExchangeOptions {
  method: PlanAuthMethod;
  code: string;
  redirectUri: string;
  codeVerifier?: string;
  clientId: string;
  clientSecret?: string;
  /**
   * `http` is required: the caller's client carries its outbound guard (a default client
   * here would be one the guard does not cover).
   */
  ctx: { template?: Partial<TemplateContext>; http: HttpSender };
  /** Hosts the client may be sent to (an operator's app). */
  hostRule?: HostRule;
  connector?: string;
}

export interface ExchangeResult {
  /** access_token, refresh_token, expires_at (epoch ms), scope, token_type. */
  credentials: Record<string, unknown>;
  /** Connection settings read from the token response by the method's `settings`. */
  settings: Record<string, unknown>;
}

export async function exchangeAuthorizationCode(opts: ExchangeOptions): Promise<ExchangeResult> {
  const result = await requestToken({
    method: opts.method,
    endpoint: 'token_url',
    params: { grant_type: 'authorization_code', code: opts.code, redirect_uri: opts.redirectUri, code_verifier: opts.codeVerifier },
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    http: opts.ctx.http,
    template: emptyContext(opts.ctx.template),
    hostRule: opts.hostRule,
    connector: opts.connector,
  });
  return { credentials: credentialsFromToken({}, result), settings: result.settings };
}

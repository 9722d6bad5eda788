/**
 * `oauth2`: sends the access token and keeps it fresh.
 * - authorization_code: refresh with the refresh token when `expires_at` is within
 *   `refresh_skew`, or once after a 401. However many calls need it at once, one refresh per
 *   connection is in flight; the rest wait for it and all adopt its result.
 * - client_credentials: fetch a token with the client's id and secret and cache it per
 *   connection until shortly before it expires.
 */
import { ConnectorError } from '../../core/errors.js';
import { connectionKey } from '../connection-key.js';
import type { OutboundRequest, RenewedCredentials } from '../../core/wire.js';
import { liveContext, liveCredential, putToken, specDurationMs } from './common.js';
import { clientOf, credentialsFromToken, expiresAtMs, requestToken, type TokenResult } from './oauth2-token.js';
import { defineAuth, type AuthContext } from './types.js';
import { OAUTH2_FIELDS } from './oauth2-fields.js';
import { revokeToken } from './oauth2-revoke.js';

export { buildAuthorizeUrl, createPkcePair, exchangeAuthorizationCode } from './oauth2-flow.js';
export type { AuthorizeUrlOptions, ExchangeOptions, ExchangeResult, PkcePair } from './oauth2-flow.js';

const DEFAULT_SKEW_MS = 60_000;

interface Renewed {
  credentials: Record<string, unknown>;
  settings: Record<string, unknown>;
}

interface CachedToken {
  token: string;
  expiresAt?: number;
}

/** In-flight refreshes and client-credentials fetches, keyed by connection and method. */
const inflight = new Map<string, Promise<unknown>>();
const clientTokens = new Map<string, CachedToken>();
/** Which token each attempt carried, so a 401 can tell a stale token from a rejected fresh one. */
const usedTokens = new WeakMap<OutboundRequest, string>();

const stateKey = (ctx: AuthContext) => `${connectionKey(ctx.connection)}#${ctx.method.name}`;
const isClientCredentials = (ctx: AuthContext) => ctx.method.spec.grant === 'client_credentials';
const refreshEnabled = (ctx: AuthContext) => ctx.method.spec.refresh !== false;
const skewMs = (ctx: AuthContext) => specDurationMs(ctx.method.spec.refresh_skew, DEFAULT_SKEW_MS);

function once<T>(key: string, run: () => Promise<T>): Promise<T> {
  const running = inflight.get(key) as Promise<T> | undefined;
  if (running) return running;
  const p = run().finally(() => inflight.delete(key));
  inflight.set(key, p);
  return p;
}

function currentToken(ctx: AuthContext): string {
  return liveCredential(ctx, 'token', 'access token');
}

function adopt(ctx: AuthContext, renewed: Renewed): void {
  // The same connection object serves the following calls: they must see the new tokens.
  ctx.connection.credentials = renewed.credentials;
  ctx.connection.settings = renewed.settings;
}

async function notify(ctx: AuthContext, renewed: Renewed): Promise<void> {
  if (!ctx.onCredentials) return;
  try {
    await ctx.onCredentials(ctx.connection, renewed.credentials, renewed.settings);
  } catch (err) {
    // The token is already in use; a failed save must not fail the call that triggered it.
    ctx.logger?.error({ connector: ctx.connection.connector, err: (err as Error)?.message }, 'saving refreshed credentials failed');
  }
}

/** The token request itself, from `current` (the caller's credentials, or the host's fresher copy under its gate). */
async function requestRefresh(ctx: AuthContext, current: RenewedCredentials): Promise<Renewed> {
  const live = liveContext(ctx);
  const tctx = { ...live, credentials: { ...live.credentials, ...current.credentials }, settings: { ...live.settings, ...current.settings } };
  const refreshToken = tctx.credentials.refresh_token;
  if (typeof refreshToken !== 'string' || refreshToken === '') {
    throw new ConnectorError({ kind: 'auth', origin: 'connection', message: `auth method ${ctx.method.name}: the access token expired and there is no refresh token; reconnect` });
  }
  const client = clientOf(tctx);
  const result: TokenResult = await requestToken({
    method: ctx.method,
    endpoint: 'refresh_url',
    params: { grant_type: 'refresh_token', refresh_token: refreshToken },
    clientId: client.id,
    clientSecret: client.secret,
    http: ctx.http,
    template: tctx,
    connector: ctx.connection.connector,
  });
  ctx.logger?.info({ connector: ctx.connection.connector, rotated: Boolean(result.refreshToken && result.refreshToken !== refreshToken) }, 'oauth2 token refreshed');
  return { credentials: credentialsFromToken(tctx.credentials, result), settings: { ...tctx.settings, ...result.settings } };
}

function refresh(ctx: AuthContext): Promise<void> {
  // One refresh per connection in this process; the gate, when there is one, makes it one across processes.
  const renewed = once(stateKey(ctx), async (): Promise<Renewed> => {
    const gate = ctx.refreshGate;
    if (!gate) {
      const next = await requestRefresh(ctx, { credentials: ctx.connection.credentials ?? {}, settings: ctx.connection.settings });
      adopt(ctx, next);
      await notify(ctx, next);
      return next;
    }
    const got = await gate(ctx.connection, ctx.method.name, (current) => requestRefresh(ctx, current));
    const next: Renewed = { credentials: got.credentials, settings: got.settings ?? ctx.connection.settings ?? {} };
    adopt(ctx, next);
    return next;
  });
  // Callers that joined a refresh started through another object for the same connection adopt it too.
  return renewed.then((r) => adopt(ctx, r));
}

function needsRefresh(ctx: AuthContext): boolean {
  if (!refreshEnabled(ctx)) return false;
  const creds = liveContext(ctx).credentials;
  if (typeof creds.refresh_token !== 'string' || !creds.refresh_token) return false;
  if (!creds.access_token) return true;
  const expiresAt = expiresAtMs(creds.expires_at);
  return expiresAt !== undefined && expiresAt - skewMs(ctx) <= Date.now();
}

async function clientCredentialsToken(ctx: AuthContext, force: boolean): Promise<string> {
  const key = stateKey(ctx);
  const cached = clientTokens.get(key);
  if (!force && cached && (cached.expiresAt === undefined || cached.expiresAt - skewMs(ctx) > Date.now())) return cached.token;
  return once(`${key}#cc`, async () => {
    const tctx = liveContext(ctx);
    const client = clientOf(tctx);
    if (!client.id) throw new ConnectorError({ kind: 'auth', origin: 'connection', message: `auth method ${ctx.method.name}: client_credentials needs credentials.client_id` });
    const scopes = Array.isArray(ctx.method.spec.scopes) ? (ctx.method.spec.scopes as string[]) : [];
    const sep = typeof ctx.method.spec.scope_separator === 'string' ? ctx.method.spec.scope_separator : ' ';
    const result = await requestToken({
      method: ctx.method,
      endpoint: 'token_url',
      params: { grant_type: 'client_credentials', scope: scopes.length ? scopes.join(sep) : undefined },
      clientId: client.id,
      clientSecret: client.secret,
      http: ctx.http,
      template: tctx,
    });
    clientTokens.set(key, { token: result.accessToken, expiresAt: result.expiresAt });
    if (Object.keys(result.settings).length > 0) ctx.connection.settings = { ...tctx.settings, ...result.settings };
    return result.accessToken;
  });
}

export const oauth2Strategy = defineAuth({
  type: 'oauth2',
  description: 'OAuth 2.0: authorization code (with PKCE by default) or client credentials, with refresh.',
  fields: OAUTH2_FIELDS,
  consent: (m) => (m.spec.grant ?? 'authorization_code') === 'authorization_code',
  refreshable: (m) => m.spec.grant !== 'client_credentials' && m.spec.refresh !== false,
  revocable: (m) => Object.hasOwn(m.templates, 'revoke_url'),
  summary: (m) => ({
    grant: typeof m.spec.grant === 'string' ? m.spec.grant : 'authorization_code',
    scopes: Array.isArray(m.spec.scopes) ? m.spec.scopes.filter((s: unknown) => typeof s === 'string') : undefined,
    pkce: m.spec.pkce !== false,
  }),

  async apply(req, ctx) {
    let token: string;
    if (isClientCredentials(ctx)) {
      token = await clientCredentialsToken(ctx, false);
    } else {
      if (needsRefresh(ctx)) await refresh(ctx);
      token = currentToken(ctx);
    }
    usedTokens.set(req, token);
    ctx.addSecret?.(token);
    putToken(req, ctx.method, token);
  },

  async onUnauthorized(ctx, req) {
    const used = usedTokens.get(req);
    if (isClientCredentials(ctx)) {
      const cached = clientTokens.get(stateKey(ctx));
      if (cached && cached.token !== used) return true;
      await clientCredentialsToken(ctx, true);
      return true;
    }
    if (!refreshEnabled(ctx)) return false;
    const creds = liveContext(ctx).credentials;
    if (typeof creds.refresh_token !== 'string' || !creds.refresh_token) return false;
    // Another call already replaced the token this attempt carried: just try again with the new one.
    if (used !== undefined && currentToken(ctx) !== used) return true;
    await refresh(ctx);
    return true;
  },

  revoke: (ctx) => revokeToken(ctx),
});

/** Forget cached client-credentials tokens (all, or one connection's), e.g. when credentials change. */
export function clearOAuth2Cache(connectionId?: string): void {
  for (const k of [...clientTokens.keys()]) if (connectionId === undefined || k.startsWith(`${connectionId}#`)) clientTokens.delete(k);
}

import { afterAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { OAuth2Server } from 'oauth2-mock-server';
import { buildAuthorizeUrl, createPkcePair, exchangeAuthorizationCode } from '../../engine/components/auth/oauth2.js';
import { getAuthStrategy } from '../../engine/components/auth/registry.js';
import { ConnectorError } from '../../engine/core/errors.js';
import { createHttpClient } from '../../engine/run/http/client.js';
import { executeRequest } from '../../engine/run/http/execute.js';
import type { Connection } from '../../engine/core/wire.js';
import type { PlanAuthMethod } from '../../engine/plan/plan.js';
import { authContext, compileAuthMethod, compileHttp } from '../helpers/compiled.js';
import { serverPerTest, type Seen } from '../http/server.js';

const client = createHttpClient();
const serve = serverPerTest();
afterAll(() => client.close());

/** An API that accepts only the given tokens. */
const api = (valid: (token: string) => boolean) => serve((r) => {
  const token = String(r.headers.authorization ?? '').replace(/^Bearer /, '');
  return valid(token) ? { body: { ok: true, token } } : { status: 401, body: { message: 'Bad credentials' } };
});

/** A connector `http` block with nothing set: the compiler's defaults. */
const http = compileHttp();

function call(apiUrl: string, method: PlanAuthMethod, conn: Connection, listener?: Parameters<typeof authContext>[3]) {
  return executeRequest({ method: 'GET', url: `${apiUrl}/me`, query: [], headers: {}, bodyFormat: 'none' }, {
    http, auth: { strategy: getAuthStrategy('oauth2'), ctx: authContext(method, conn, client, listener) },
    client, limiterKey: `connection:${conn.id}`, connector: 'demo', operation: 'check',
  });
}

const form = (r: Seen) => Object.fromEntries(new URLSearchParams(r.rawBody));

describe('oauth2 client_credentials', () => {
  it('fetches one token, caches it for concurrent and later calls, and refetches near expiry', async () => {
    let n = 0;
    // Only Date is faked, so expiry is decided by the test and not by how busy the machine is.
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => { vi.useRealTimers(); });
    const start = Date.now();
    const tokens = await serve(() => ({ body: { access_token: `cc-${++n}`, token_type: 'bearer', expires_in: 1 } }));
    const a = await api((t) => t.startsWith('cc-'));
    const method = compileAuthMethod({ type: 'oauth2', grant: 'client_credentials', token_url: `${tokens.url}/token`, scopes: ['read', 'write'], client_auth: 'basic', refresh_skew: 800 });
    const conn: Connection = { connector: 'demo', id: 'cc-1', credentials: { client_id: 'my app', client_secret: 's3cret/+' } };
    await Promise.all(Array.from({ length: 10 }, () => call(a.url, method, conn)));
    await call(a.url, method, conn);
    expect(tokens.seen).toHaveLength(1);
    const t = tokens.seen[0];
    expect(form(t)).toEqual({ grant_type: 'client_credentials', scope: 'read write' });
    expect(t.headers.authorization).toBe(`Basic ${Buffer.from('my+app:s3cret%2F%2B').toString('base64')}`);
    expect(a.seen.every((r) => r.headers.authorization === 'Bearer cc-1')).toBe(true);
    vi.setSystemTime(start + 199); // still before expires_at − refresh_skew
    await call(a.url, method, conn);
    expect(tokens.seen).toHaveLength(1);
    vi.setSystemTime(start + 250); // past it
    const res = await call(a.url, method, conn);
    expect(tokens.seen).toHaveLength(2);
    expect((res.body as any).token).toBe('cc-2');
  });

  it('sends client id and secret in the body with client_auth body and reports token errors as auth', async () => {
    const tokens = await serve(() => ({ status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed' } }));
    const method = compileAuthMethod({ type: 'oauth2', grant: 'client_credentials', token_url: `${tokens.url}/token` });
    const conn: Connection = { connector: 'demo', id: 'cc-2', credentials: { client_id: 'id-1', client_secret: 'sec-1' } };
    const err = await call('http://127.0.0.1:9', method, conn).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.kind).toBe('auth');
    expect(err.providerCode).toBe('invalid_client');
    expect(err.providerMessage).toBe('Client authentication failed');
    expect(form(tokens.seen[0])).toEqual({ grant_type: 'client_credentials', client_id: 'id-1', client_secret: 'sec-1' });
  });
});

describe('oauth2 refresh', () => {
  it('refreshes an expiring token once for 20 concurrent calls and hands the rotated token to the listener', async () => {
    const tokens = await serve(() => ({ body: { access_token: 'at-new', refresh_token: 'rt-2', expires_in: 3600 }, delayMs: 30 }));
    const a = await api((t) => t === 'at-new');
    const method = compileAuthMethod({ type: 'oauth2', token_url: `${tokens.url}/token` });
    const conn: Connection = {
      connector: 'demo', id: 'ac-1',
      credentials: { access_token: 'at-old', refresh_token: 'rt-1', expires_at: new Date(Date.now() + 10_000).toISOString(), client_id: 'cid', client_secret: 'csec' },
    };
    const heard: Array<Record<string, unknown>> = [];
    const results = await Promise.all(Array.from({ length: 20 }, () => call(a.url, method, conn, (_c, creds) => { heard.push(creds); })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(tokens.seen).toHaveLength(1);
    expect(form(tokens.seen[0])).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt-1', client_id: 'cid', client_secret: 'csec' });
    expect(a.seen).toHaveLength(20);
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatchObject({ access_token: 'at-new', refresh_token: 'rt-2', client_id: 'cid' });
    expect(heard[0].expires_at as number).toBeGreaterThan(Date.now() + 3_500_000);
    // The same connection object carries the new tokens into later calls: no second refresh.
    expect(conn.credentials).toMatchObject({ access_token: 'at-new', refresh_token: 'rt-2' });
    await call(a.url, method, conn);
    expect(tokens.seen).toHaveLength(1);
  });

  it('refreshes once after 401s from 20 concurrent calls, then retries each call once', async () => {
    const tokens = await serve(() => ({ body: { access_token: 'fresh', expires_in: 3600 }, delayMs: 20 }));
    const a = await api((t) => t === 'fresh');
    const method = compileAuthMethod({ type: 'oauth2', token_url: `${tokens.url}/token`, refresh_url: `${tokens.url}/refresh` });
    const conn: Connection = { connector: 'demo', id: 'ac-2', credentials: { access_token: 'revoked', refresh_token: 'rt-keep' } };
    const heard: Array<Record<string, unknown>> = [];
    await Promise.all(Array.from({ length: 20 }, () => call(a.url, method, conn, (_c, creds) => { heard.push(creds); })));
    expect(tokens.seen).toHaveLength(1);
    expect(tokens.seen[0].path).toBe('/refresh');
    expect(a.seen.filter((r) => r.headers.authorization === 'Bearer revoked').length).toBeGreaterThanOrEqual(1);
    expect(a.seen.filter((r) => r.headers.authorization === 'Bearer fresh')).toHaveLength(20);
    // No rotation: the old refresh token is kept.
    expect(heard[0]).toMatchObject({ access_token: 'fresh', refresh_token: 'rt-keep' });
  });

  it('gives up with an auth error when the token is rejected again after refreshing', async () => {
    const tokens = await serve(() => ({ body: { access_token: 'still-bad' } }));
    const a = await api(() => false);
    const method = compileAuthMethod({ type: 'oauth2', token_url: `${tokens.url}/token` });
    const err = await call(a.url, method, { connector: 'demo', id: 'ac-3', credentials: { access_token: 'x1234', refresh_token: 'r1234' } }).catch((e) => e);
    expect(err.kind).toBe('auth');
    expect(err.status).toBe(401);
    expect(err.providerMessage).toBe('Bad credentials');
    expect(tokens.seen).toHaveLength(1);
    expect(a.seen).toHaveLength(2);
  });

  it('reports a revoked refresh token with the provider’s error_description', async () => {
    const tokens = await serve(() => ({ status: 400, body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } }));
    const method = compileAuthMethod({ type: 'oauth2', token_url: `${tokens.url}/token` });
    const conn: Connection = { connector: 'demo', id: 'ac-4', credentials: { access_token: 'a-old', refresh_token: 'r-old', expires_at: Date.now() - 1000 } };
    const err = await call('http://127.0.0.1:9', method, conn).catch((e) => e);
    expect(err.kind).toBe('auth');
    expect(err.providerCode).toBe('invalid_grant');
    expect(err.message).toContain('Token has been expired or revoked.');
  });

  it('reads odd token responses with token_fields, error_when and settings', async () => {
    const tokens = await serve((r) => (form(r).refresh_token === 'bad-rt'
      ? { body: { ok: false, error: 'invalid_refresh_token' } }
      : { body: { ok: true, authed: { token: 'xo-2', refresh: 'xr-2', ttl: 600 }, team: { id: 'T42' }, instance_url: 'https://eu.example.test' } }));
    const a = await api((t) => t === 'xo-2');
    const method = compileAuthMethod({
      type: 'oauth2', token_url: `${tokens.url}/token`, error_when: 'ok = false',
      token_fields: { access_token: 'authed.token', refresh_token: 'authed.refresh', expires_in: 'authed.ttl' },
      settings: { team_id: 'team.id', instance_url: 'instance_url' },
    });
    const conn: Connection = { connector: 'demo', id: 'ac-5', credentials: { access_token: 'xo-1', refresh_token: 'xr-1', expires_at: Date.now() } };
    let settings: Record<string, unknown> | undefined;
    await call(a.url, method, conn, (_c, _creds, s) => { settings = s; });
    expect(settings).toEqual({ team_id: 'T42', instance_url: 'https://eu.example.test' });
    expect(conn.settings).toEqual(settings);
    expect(conn.credentials).toMatchObject({ access_token: 'xo-2', refresh_token: 'xr-2' });

    const bad: Connection = { connector: 'demo', id: 'ac-6', credentials: { access_token: 'xo-1', refresh_token: 'bad-rt', expires_at: 0 } };
    const err = await call(a.url, method, bad).catch((e) => e);
    expect(err.kind).toBe('auth');
    expect(err.providerCode).toBe('invalid_refresh_token');
  });
});

describe('oauth2 authorization code against a real authorization server', () => {
  it('builds the consent URL, exchanges the code with PKCE and refreshes with the issued refresh token', async () => {
    const as = new OAuth2Server();
    await as.issuer.keys.generate('RS256');
    await as.start(0, '127.0.0.1');
    try {
      const issuer = as.issuer.url!;
      const method = compileAuthMethod({
        type: 'oauth2', authorize_url: `${issuer}/authorize`, token_url: `${issuer}/token`, scopes: ['openid', 'repo'], scope_separator: ',',
        authorize_params: { access_type: 'offline' },
      });
      const pkce = createPkcePair();
      expect(pkce.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const url = new URL(buildAuthorizeUrl({ method, clientId: 'app-1', redirectUri: 'http://127.0.0.1/callback', state: 'st-1', codeChallenge: pkce.challenge }));
      expect(Object.fromEntries(url.searchParams)).toMatchObject({
        response_type: 'code', client_id: 'app-1', state: 'st-1', scope: 'openid,repo', code_challenge_method: 'S256', access_type: 'offline',
      });
      const consent = await fetch(url, { redirect: 'manual' });
      const back = new URL(consent.headers.get('location')!);
      expect(back.searchParams.get('state')).toBe('st-1');
      const code = back.searchParams.get('code')!;

      // A wrong verifier is refused with the server's own explanation.
      const wrong = await exchangeAuthorizationCode({ method, code, redirectUri: 'http://127.0.0.1/callback', codeVerifier: createPkcePair().verifier, clientId: 'app-1', clientSecret: 'sec', ctx: { http: client } }).catch((e) => e);
      expect(wrong).toBeInstanceOf(ConnectorError);
      expect(wrong.kind).toBe('auth');
      expect(wrong.providerMessage).toContain('code_verifier');

      const consent2 = await fetch(new URL(buildAuthorizeUrl({ method, clientId: 'app-1', redirectUri: 'http://127.0.0.1/callback', state: 's', codeChallenge: pkce.challenge })), { redirect: 'manual' });
      const code2 = new URL(consent2.headers.get('location')!).searchParams.get('code')!;
      const got = await exchangeAuthorizationCode({ method, code: code2, redirectUri: 'http://127.0.0.1/callback', codeVerifier: pkce.verifier, clientId: 'app-1', clientSecret: 'sec', ctx: { http: client } });
      expect(typeof got.credentials.access_token).toBe('string');
      expect(typeof got.credentials.refresh_token).toBe('string');
      expect(got.credentials.expires_at as number).toBeGreaterThan(Date.now());

      // The issued refresh token works through the strategy when the access token is expired.
      const grants: string[] = [];
      as.service.on('beforeResponse', (_res, req) => { grants.push(String((req as { body?: { grant_type?: string } }).body?.grant_type)); });
      const a = await api((t) => t.split('.').length === 3);
      const conn: Connection = { connector: 'demo', id: 'mock-as', credentials: { ...got.credentials, expires_at: Date.now() - 1, client_id: 'app-1', client_secret: 'sec' } };
      const rotated: string[] = [];
      const res = await call(a.url, method, conn, (_c, creds) => { rotated.push(String(creds.refresh_token)); });
      expect(res.status).toBe(200);
      expect(rotated).toHaveLength(1);
      expect(rotated[0]).not.toBe(got.credentials.refresh_token);
      expect(grants).toEqual(['refresh_token']);
    } finally {
      await as.stop();
    }
  });
});

import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authStrategyFor, getAuthStrategy, registerAuthStrategy } from '../../engine/components/auth/registry.js';
import { ConnectorError } from '../../engine/core/errors.js';
import { createHttpClient } from '../../engine/run/http/client.js';
import { executeRequest } from '../../engine/run/http/execute.js';
import type { Connection } from '../../engine/core/wire.js';
import { authContext, compileSnippet, type Block, type CompileOptions } from '../helpers/compiled.js';
import { startServer, type Seen, type TestServer } from '../http/server.js';

const client = createHttpClient();
let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server.close(); client.close(); });

/** Sends one GET with the auth method compiled from an `auth` block as a connector author writes it. */
async function sendWith(auth: Block, credentials: Record<string, unknown>, query: Array<[string, string]> = [], options?: CompileOptions, secrets?: Record<string, string>): Promise<Seen> {
  const { method, http } = compileSnippet({ auth }, options);
  const conn: Connection = { connector: 'demo', id: `c-${method.type}`, credentials, ...(secrets ? { secrets } : {}) };
  await executeRequest({ method: 'GET', url: `${server.url}/me`, query, headers: {}, bodyFormat: 'none' }, {
    http, auth: { strategy: authStrategyFor(method), ctx: authContext(method, conn, client) },
    client, limiterKey: 'k', connector: 'demo', operation: 'check',
  });
  return server.seen.at(-1)!;
}

describe('auth strategies on the wire', () => {
  it('none sends no credentials', async () => {
    const seen = await sendWith({ type: 'none' }, { api_key: 'unused-key' });
    expect(seen.headers.authorization).toBeUndefined();
  });

  it('api_key in a header with a prefix, default value {{credentials.api_key}}', async () => {
    const seen = await sendWith({ type: 'api_key', name: 'X-API-Key', prefix: 'Key ' }, { api_key: 'k-123' });
    expect(seen.headers['x-api-key']).toBe('Key k-123');
  });

  it('api_key in the query, next to the request’s own parameters', async () => {
    const seen = await sendWith({ type: 'api_key', in: 'query', name: 'api_key', value: '{{credentials.key}}' }, { key: 'q-456' }, [['page', '2']], { allowWarnings: ['secret-in-query'] });
    expect(seen.query.get('api_key')).toBe('q-456');
    expect(seen.query.get('page')).toBe('2');
  });

  it('basic encodes username:password, and allows an empty password', async () => {
    const a = await sendWith({ type: 'basic' }, { username: 'ada', password: 'p:ss wörd' });
    expect(a.headers.authorization).toBe(`Basic ${Buffer.from('ada:p:ss wörd').toString('base64')}`);
    const b = await sendWith({ type: 'basic', username: '{{credentials.secret_key}}', password: '' }, { secret_key: 'sk_test_1' });
    expect(b.headers.authorization).toBe(`Basic ${Buffer.from('sk_test_1:').toString('base64')}`);
  });

  it('bearer with default, custom header and bare token', async () => {
    expect((await sendWith({ type: 'bearer' }, { token: 't-1' })).headers.authorization).toBe('Bearer t-1');
    const custom = await sendWith({ type: 'bearer', header: 'X-Auth', scheme: 'token' }, { token: 't-2' });
    expect(custom.headers['x-auth']).toBe('token t-2');
    expect(custom.headers.authorization).toBeUndefined();
    expect((await sendWith({ type: 'bearer', scheme: '' }, { token: 't-3' })).headers.authorization).toBe('t-3');
  });

  it('bearer query parameters derived from the credentials go with every request, empty ones dropped', async () => {
    const auth = { type: 'bearer', token: '{{credentials.access_token}}', query: { appsecret_proof: '{{hmac_sha256 credentials.app_secret credentials.access_token}}', extra: '{{credentials.missing}}' } };
    const seen = await sendWith(auth, { access_token: 'tok-123', app_secret: 's3cret' });
    expect(seen.headers.authorization).toBe('Bearer tok-123');
    expect(seen.query.get('appsecret_proof')).toBe(createHmac('sha256', 's3cret').update('tok-123').digest('hex'));
    expect(seen.query.has('extra')).toBe(false);
  });

  it('query is common to every kind and reads the operator\'s connector secrets', async () => {
    const query = { appsecret_proof: '{{hmac_sha256 secrets.app_secret credentials.access_token}}' };
    const proof = createHmac('sha256', 'op-secret').update('at-9').digest('hex');
    const oauth = await sendWith({ type: 'oauth2', token_url: `${server.url}/token`, query }, { access_token: 'at-9', expires_at: Date.now() + 3_600_000 }, [], undefined, { app_secret: 'op-secret' });
    expect(oauth.headers.authorization).toBe('Bearer at-9');
    expect(oauth.query.get('appsecret_proof')).toBe(proof);
    const bearer = await sendWith({ type: 'bearer', token: '{{credentials.access_token}}', query }, { access_token: 'at-9' }, [], undefined, { app_secret: 'op-secret' });
    expect(bearer.query.get('appsecret_proof')).toBe(proof);
    const key = await sendWith({ type: 'api_key', name: 'X-Key', query: { sig: '{{secrets.app_secret}}-{{credentials.api_key}}' } }, { api_key: 'k1' }, [], undefined, { app_secret: 'op' });
    expect(key.query.get('sig')).toBe('op-k1');
  });

  it('an auth query value built from an operator secret is redacted from errors', async () => {
    const query = { appsecret_proof: '{{hmac_sha256 secrets.app_secret credentials.access_token}}' };
    const proof = createHmac('sha256', 'op-secret').update('at-9').digest('hex');
    const { method, http } = compileSnippet({ auth: { type: 'bearer', token: '{{credentials.access_token}}', query } });
    const conn: Connection = { connector: 'demo', id: 'c-redact', credentials: { access_token: 'at-9' }, secrets: { app_secret: 'op-secret' } };
    // A provider echoing the request back in its error (Graph quotes bad parameters).
    const echo = await startServer((req) => ({ status: 403, body: { error: { message: `refused ${req.rawUrl}` } } }));
    const err = await executeRequest({ method: 'GET', url: `${echo.url}/me`, query: [], headers: {}, bodyFormat: 'none' }, {
      http, auth: { strategy: authStrategyFor(method), ctx: authContext(method, conn, client) },
      client, limiterKey: 'k-redact', connector: 'demo', operation: 'check',
    }).catch((e: unknown) => e as ConnectorError).finally(() => echo.close());
    expect(err).toBeInstanceOf(ConnectorError);
    expect(echo.seen[0].query.get('appsecret_proof')).toBe(proof);
    const e = err as ConnectorError;
    const text = JSON.stringify({ message: e.message, request: e.request, provider: e.providerMessage });
    expect(text).toContain('appsecret_proof');
    expect(text).not.toContain(proof);
    expect(text).not.toContain('op-secret');
  });

  it('oauth2 sends the stored access token', async () => {
    const seen = await sendWith({ type: 'oauth2', token_url: `${server.url}/token` }, { access_token: 'at-1', expires_at: Date.now() + 3_600_000 });
    expect(seen.headers.authorization).toBe('Bearer at-1');
  });

  it('fails with an auth error, without a request, when the credential is missing', async () => {
    const before = server.seen.length;
    const err = await sendWith({ type: 'bearer' }, {}).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.kind).toBe('auth');
    expect(err.message).toContain('token');
    expect(server.seen.length).toBe(before);
  });

  it('knows its strategies by type and takes new ones', async () => {
    expect(() => getAuthStrategy('kerberos')).toThrow(/unknown auth type/);
    registerAuthStrategy({ type: 'custom_sig', async apply(req) { req.headers['x-sig'] = 'signed'; } });
    const seen = await sendWith({ type: 'custom_sig' }, {});
    expect(seen.headers['x-sig']).toBe('signed');
  });
});

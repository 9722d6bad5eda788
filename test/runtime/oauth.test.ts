/**
 * The consent flow end to end over real sockets: runtime → oauth2-mock-server's authorize
 * endpoint (which approves at once with a 302) → the runtime's callback → the host's return
 * URL, with the code exchange, PKCE, the check and every error outcome.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oauthFor, startOAuthWorkers } from '../../engine/runtime/oauth/context.js';
import { stateId } from '../../engine/platform/oauth/states.js';
import { CONNECTOR_ID, startMockIdp, startOAuthRuntime, type MockIdp, type OAuthTestRuntime } from '../oauth/helpers.js';

const CLIENT_SECRET = 'canary-client-secret-6b1f0e';
const RETURN = 'https://host.example/done';

let idp: MockIdp;
let rt: OAuthTestRuntime;

const services = () => rt.running.app.runtime.services;
const platform = () => rt.running.platform;

function authorizePath(q: Record<string, string>, tenant = 'acme'): string {
  const p = new URLSearchParams({ tenant, connection_name: 'main', return_url: RETURN, config: JSON.stringify({ issuer: idp.url }), ...q });
  return `/v1/oauth/${CONNECTOR_ID}/authorize?${p}`;
}

/** authorize → provider → callback; returns each hop's Location. */
async function consent(q: Record<string, string> = {}, key?: string) {
  const start = await rt.get(authorizePath(q, key ? undefined : q.tenant ?? 'acme'), key);
  expect(start.status, JSON.stringify(start.body)).toBe(302);
  const provider = await rt.get(start.location!, null);
  expect(provider.status).toBe(302);
  const callback = provider.location!;
  const back = await rt.get(callback, null);
  expect(back.status).toBe(302);
  return { authorizeUrl: new URL(start.location!), callback, returned: new URL(back.location!) };
}

/** Starts a consent and takes the state from the provider URL without visiting the provider. */
async function startOnly(q: Record<string, string> = {}): Promise<string> {
  const start = await rt.get(authorizePath(q));
  expect(start.status).toBe(302);
  return new URL(start.location!).searchParams.get('state')!;
}

beforeAll(async () => {
  idp = await startMockIdp();
  // Listed for plain http, which also exempts it from the address rules: the one setting a local test IdP needs.
  rt = await startOAuthRuntime({ outbound: { allowHttp: [`127.0.0.1:${idp.port}`] } });
  await oauthFor(services()).apps.set(CONNECTOR_ID, {
    clientId: 'client-1',
    clientSecret: CLIENT_SECRET,
    returnUrls: [RETURN, 'https://host.example/oauth/*'],
  });
});

afterAll(async () => {
  await rt?.close();
  await idp?.stop();
});

describe('consent end to end', () => {
  it('redirects to the provider, exchanges the code with PKCE, stores sealed tokens, copies settings and runs the check', async () => {
    const tokenCallsBefore = idp.tokenCalls.length;
    const userinfoBefore = idp.userinfo.length;
    const { authorizeUrl, returned } = await consent({ return_url: `${RETURN}?session=s-1` });

    // The provider's authorize URL.
    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe(`${idp.url}/authorize`);
    const q = authorizeUrl.searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('client_id')).toBe('client-1');
    expect(q.get('redirect_uri')).toBe(`${rt.url}/v1/oauth/callback`);
    expect(q.get('scope')).toBe('openid profile');
    expect(q.get('audience')).toBe('patchbay-tests');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(Buffer.from(q.get('state')!, 'base64url').length).toBe(32);

    // Back at the host, with the host's own parameter kept.
    expect(returned.origin + returned.pathname).toBe(RETURN);
    expect(returned.searchParams.get('session')).toBe('s-1');
    expect(returned.searchParams.get('status')).toBe('success');
    const id = returned.searchParams.get('connection_id')!;
    expect(id).toMatch(/^conn_/);

    // The code exchange carried the verifier matching the challenge, and the client's credentials.
    expect(idp.tokenCalls.length).toBe(tokenCallsBefore + 1);
    const call = idp.tokenCalls[idp.tokenCalls.length - 1];
    expect(call.body.grant_type).toBe('authorization_code');
    expect(call.body.redirect_uri).toBe(`${rt.url}/v1/oauth/callback`);
    expect(call.body.client_id).toBe('client-1');
    expect(call.body.client_secret).toBe(CLIENT_SECRET);
    expect(createHash('sha256').update(call.body.code_verifier).digest('base64url')).toBe(q.get('code_challenge'));

    // Stored: sealed at rest, the issued tokens inside, settings copied, checked with the new token.
    const row = await platform().store.knex('connections').where('id', id).first();
    expect(row.tenant).toBe('acme');
    expect(row.status).toBe('active');
    expect(row.credentials).toMatch(/^pbv1\./);
    const accessToken = String(call.response.access_token);
    const refreshToken = String(call.response.refresh_token);
    for (const secret of [accessToken, refreshToken, CLIENT_SECRET]) expect(JSON.stringify(row)).not.toContain(secret);
    const { connection, info } = await platform().connections.resolve({ tenant: 'acme', id });
    expect(connection.credentials).toMatchObject({ access_token: accessToken, refresh_token: refreshToken, client_id: 'client-1', client_secret: CLIENT_SECRET });
    expect(Number(connection.credentials!.expires_at)).toBeGreaterThan(Date.now());
    expect(info.settings).toMatchObject({ team_id: 'T-42', granted_scope: 'dummy' });
    expect(info.config).toEqual({ issuer: idp.url });
    expect(idp.userinfo.slice(userinfoBefore)).toEqual([`Bearer ${accessToken}`]);
  });

  it('keeps only a hash of the state and the PKCE verifier sealed', async () => {
    const state = await startOnly({ connection_name: 'hashed' });
    const rows = await platform().store.knex('oauth_states').select('*');
    expect(rows.some((r) => r.id === state)).toBe(false);
    const row = rows.find((r) => r.id === stateId(state))!;
    expect(row).toBeDefined();
    expect(row.tenant).toBe('acme');
    expect(row.code_verifier).toMatch(/^pbv1\./);
    expect(Number(row.expires_at) - Number(row.created_at)).toBe(10 * 60_000);
  });

  it('reconnects an existing connection of the same name, replacing its tokens', async () => {
    const first = await consent({ connection_name: 'again' });
    const id = first.returned.searchParams.get('connection_id')!;
    const before = (await platform().connections.resolve({ tenant: 'acme', id })).connection.credentials!;
    const second = await consent({ connection_name: 'again' });
    expect(second.returned.searchParams.get('connection_id')).toBe(id);
    const after = (await platform().connections.resolve({ tenant: 'acme', id })).connection.credentials!;
    // The mock's JWTs can repeat within a second; its refresh tokens are random UUIDs.
    const issued = idp.tokenCalls[idp.tokenCalls.length - 1].response;
    expect(after.access_token).toBe(issued.access_token);
    expect(after.refresh_token).toBe(issued.refresh_token);
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect((await platform().connections.list({ tenant: 'acme', connector: CONNECTOR_ID })).items.filter((c) => c.name === 'again')).toHaveLength(1);
  });

  it('honours pkce: false, the scope separator and client_auth basic of another method', async () => {
    const { authorizeUrl, returned } = await consent({ connection_name: 'legacy', auth: 'legacy' });
    expect(authorizeUrl.searchParams.get('code_challenge')).toBeNull();
    expect(authorizeUrl.searchParams.get('scope')).toBe('read,write');
    expect(returned.searchParams.get('status')).toBe('success');
    const call = idp.tokenCalls[idp.tokenCalls.length - 1];
    expect(call.body.code_verifier).toBeUndefined();
    expect(call.authorization).toBe(`Basic ${Buffer.from(`client-1:${CLIENT_SECRET}`).toString('base64')}`);
    const info = await platform().connections.get({ tenant: 'acme', id: returned.searchParams.get('connection_id')! });
    expect(info?.auth).toBe('legacy');
  });

  it('acts for the tenant of a tenant key, and refuses another tenant', async () => {
    const key = await rt.keyFor('globex');
    const start = await rt.get(`/v1/oauth/${CONNECTOR_ID}/authorize?${new URLSearchParams({ connection_name: 'g', return_url: RETURN, config: JSON.stringify({ issuer: idp.url }) })}`, key);
    expect(start.status).toBe(302);
    const back = await rt.get((await rt.get(start.location!, null)).location!, null);
    const id = new URL(back.location!).searchParams.get('connection_id')!;
    expect((await platform().connections.get({ tenant: 'globex', id }))?.name).toBe('g');
    expect(await platform().connections.get({ tenant: 'acme', id })).toBeUndefined();

    const cross = await rt.get(`${authorizePath({}, 'acme')}`, key);
    expect(cross.status).toBe(403);
    const anonymous = await rt.get(authorizePath({}), null);
    expect(anonymous.status).toBe(401);
  });

  it('answers with the URL as JSON when asked not to redirect', async () => {
    const res = await rt.get(authorizePath({ connection_name: 'json', redirect: 'false' }));
    expect(res.status).toBe(200);
    expect(new URL(res.body.authorize_url).pathname).toBe('/authorize');
    expect(Date.parse(res.body.expires_at)).toBeGreaterThan(Date.now() + 9 * 60_000);
  });
});

describe('refusals and errors', () => {
  it('refuses an unregistered return URL with a 400 and stores no state', async () => {
    const count = async () => Number((await platform().store.knex('oauth_states').count({ n: '*' }))[0].n);
    const before = await count();
    for (const bad of ['https://evil.example/done', 'https://host.example.evil.test/done', 'https://host.example/donex', 'https://host.example/oauthx/a', 'http://host.example/done', 'https://user:pw@host.example/done', 'javascript:alert(1)']) {
      const res = await rt.get(authorizePath({ return_url: bad }));
      expect(res.status, bad).toBe(400);
      expect(res.location).toBeNull();
      expect(res.body.code).toBe('return_url_not_allowed');
    }
    expect(await count()).toBe(before);
    const prefixed = await rt.get(authorizePath({ return_url: 'https://host.example/oauth/cb/1?x=2' }));
    expect(prefixed.status).toBe(302);
  });

  it('answers 4xx for an unknown connector, a connector without an app, and bad config', async () => {
    expect((await rt.get(`/v1/oauth/nope/authorize?${new URLSearchParams({ tenant: 'acme', connection_name: 'x', return_url: RETURN })}`)).body.code).toBe('connector_not_found');
    const badConfig = await rt.get(authorizePath({ config: '{"issuer": 5}' }));
    expect(badConfig.status).toBe(422);
    expect(badConfig.body.code).toBe('invalid_config');
    expect((await rt.get(authorizePath({ config: 'not json' }))).status).toBe(400);
    const notOauth = await rt.get(authorizePath({ auth: 'token' }));
    expect(notOauth.status).toBe(422);
    expect(notOauth.body.code).toBe('not_oauth2');
    await oauthFor(services()).apps.remove(CONNECTOR_ID);
    try {
      const res = await rt.get(authorizePath({}));
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('oauth_app_not_configured');
    } finally {
      await oauthFor(services()).apps.set(CONNECTOR_ID, { clientId: 'client-1', clientSecret: CLIENT_SECRET, returnUrls: [RETURN, 'https://host.example/oauth/*'] });
    }
  });

  it('answers a replayed callback with state_reused, and exactly one of concurrent callbacks succeeds', async () => {
    const { callback, returned } = await consent({ connection_name: 'replay' });
    expect(returned.searchParams.get('status')).toBe('success');
    const replay = await rt.get(callback, null);
    expect(replay.status).toBe(302);
    const r = new URL(replay.location!);
    expect(r.origin + r.pathname).toBe(RETURN);
    expect(r.searchParams.get('status')).toBe('error');
    expect(r.searchParams.get('error')).toBe('state_reused');

    const start = await rt.get(authorizePath({ connection_name: 'race' }));
    const cb = (await rt.get(start.location!, null)).location!;
    const exchangesBefore = idp.tokenCalls.length;
    const results = await Promise.all(Array.from({ length: 6 }, () => rt.get(cb, null)));
    const outcomes = results.map((x) => new URL(x.location!).searchParams.get('error') ?? 'success').sort();
    expect(outcomes).toEqual(['state_reused', 'state_reused', 'state_reused', 'state_reused', 'state_reused', 'success']);
    expect(idp.tokenCalls.length).toBe(exchangesBefore + 1);
  });

  it('answers an expired state with state_expired and exchanges nothing', async () => {
    const state = await startOnly({ connection_name: 'late' });
    await platform().store.knex('oauth_states').where('id', stateId(state)).update({ expires_at: Date.now() - 1 });
    const before = idp.tokenCalls.length;
    const res = await rt.get(`/v1/oauth/callback?${new URLSearchParams({ state, code: 'whatever' })}`, null);
    const r = new URL(res.location!);
    expect(r.searchParams.get('error')).toBe('state_expired');
    expect(idp.tokenCalls.length).toBe(before);
    expect((await platform().connections.list({ tenant: 'acme' })).items.some((c) => c.name === 'late')).toBe(false);
  });

  it('sends the user back with access_denied when consent is refused', async () => {
    idp.server.service.once('beforeAuthorizeRedirect', (redirect: { url: URL }) => {
      redirect.url.searchParams.delete('code');
      redirect.url.searchParams.set('error', 'access_denied');
      redirect.url.searchParams.set('error_description', 'The user said no');
    });
    const before = idp.tokenCalls.length;
    const { returned } = await consent({ connection_name: 'refused' });
    expect(returned.searchParams.get('status')).toBe('error');
    expect(returned.searchParams.get('error')).toBe('access_denied');
    expect(returned.searchParams.get('error_description')).toBe('consent was refused');
    expect(returned.searchParams.get('connection_id')).toBeNull();
    expect(idp.tokenCalls.length).toBe(before);
  });

  it('answers an unknown or missing state with a 400, never a redirect', async () => {
    for (const qs of ['state=forged&code=x', 'code=x', `state=${'a'.repeat(300)}&code=x`]) {
      const res = await rt.get(`/v1/oauth/callback?${qs}`, null);
      expect(res.status).toBe(400);
      expect(res.location).toBeNull();
      expect(res.body.code).toBe('invalid_state');
    }
  });

  it('reports a failed code exchange without leaking the code or the client secret', async () => {
    idp.server.service.once('beforeResponse', (res: { body: unknown; statusCode: number }) => {
      res.body = { error: 'invalid_grant', error_description: 'code expired' };
      res.statusCode = 400;
    });
    const { returned, callback } = await consent({ connection_name: 'badcode' });
    expect(returned.searchParams.get('error')).toBe('exchange_failed');
    const description = returned.searchParams.get('error_description')!;
    expect(description).toContain('invalid_grant');
    const code = new URL(callback).searchParams.get('code')!;
    expect(returned.toString()).not.toContain(code);
    expect(returned.toString()).not.toContain(CLIENT_SECRET);
    expect((await platform().connections.list({ tenant: 'acme' })).items.some((c) => c.name === 'badcode')).toBe(false);
  });

  it('stores the connection in error and says check_failed when the check fails', async () => {
    idp.server.service.once('beforeUserinfo', (res: { body: unknown; statusCode: number }) => {
      res.body = { error: 'invalid_token' };
      res.statusCode = 403;
    });
    const { returned } = await consent({ connection_name: 'unchecked' });
    expect(returned.searchParams.get('error')).toBe('check_failed');
    const id = returned.searchParams.get('connection_id')!;
    const info = await platform().connections.get({ tenant: 'acme', id });
    expect(info?.status).toBe('error');
    expect(returned.toString()).not.toContain(CLIENT_SECRET);
  });

  it("refuses a token endpoint outside the operator app's hosts (SSRF through config) before any state is stored", async () => {
    const states = (await platform().store.knex('oauth_states').count({ n: '*' }))[0].n;
    const start = await rt.get(authorizePath({ connection_name: 'ssrf', config: JSON.stringify({ issuer: 'http://169.254.169.254' }), redirect: 'false' }));
    expect(start.status).toBe(422);
    expect(start.body.code).toBe('oauth_host_not_allowed');
    expect(start.body.detail).toContain('OAuth authorize_url host "169.254.169.254" is not allowed');
    expect((await platform().store.knex('oauth_states').count({ n: '*' }))[0].n).toBe(states);
  });
});

describe('background workers', () => {
  it('refresh a consented connection nearing expiry through the provider, and stop on request', async () => {
    const { returned } = await consent({ connection_name: 'idle' });
    const id = returned.searchParams.get('connection_id')!;
    await platform().connections.update({ tenant: 'acme', id }, { credentials: { expires_at: Date.now() + 30_000 }, mergeCredentials: true, skipCheck: true });
    const before = (await platform().connections.resolve({ tenant: 'acme', id })).connection.credentials!;
    const workers = startOAuthWorkers(services(), { intervalMs: 25 });
    let after = before;
    try {
      for (let i = 0; i < 200 && after.refresh_token === before.refresh_token; i++) {
        await new Promise((r) => setTimeout(r, 25));
        after = (await platform().connections.resolve({ tenant: 'acme', id })).connection.credentials!;
      }
    } finally {
      await workers.stop();
    }
    const call = idp.tokenCalls.find((c) => c.body.grant_type === 'refresh_token' && c.body.refresh_token === before.refresh_token)!;
    expect(call).toBeDefined();
    expect(call.body.client_secret).toBe(CLIENT_SECRET);
    expect(after.refresh_token).toBe(call.response.refresh_token);
    expect(Number(after.expires_at)).toBeGreaterThan(Date.now() + 60_000);
  });
});

describe('logs', () => {
  it('name the consent outcomes and carry no token, code, verifier or client secret', () => {
    const all = rt.logs.join('\n');
    expect(all).toContain('oauth consent completed');
    expect(all).toContain('"error":"state_reused"');
    const secrets = [CLIENT_SECRET];
    for (const call of idp.tokenCalls) {
      for (const v of [call.body.code, call.body.code_verifier, call.response.access_token, call.response.refresh_token]) if (typeof v === 'string') secrets.push(v);
    }
    expect(secrets.length).toBeGreaterThan(20);
    for (const s of secrets) expect(all).not.toContain(s);
  });
});

describe('the OpenAPI document', () => {
  it('describes both OAuth routes', async () => {
    const doc = (await (await fetch(`${rt.url}/openapi.json`)).json()) as any;
    expect(doc.paths['/v1/oauth/{connector}/authorize'].get.operationId).toBe('oauthAuthorize');
    expect(doc.paths['/v1/oauth/callback'].get.responses['302']).toBeDefined();
  });
});

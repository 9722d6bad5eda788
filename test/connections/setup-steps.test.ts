/**
 * `setup` steps end to end over real sockets: the OAuth consent through the runtime (an
 * Intuit-like server redirecting with `realmId`, a Xero-like one with `GET /connections`),
 * connect over HTTP with a post-connect request (HubSpot's token info), teardown on
 * disconnect, and every way a step fails leaving no half-made connection.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { approve, startProvider, startSetupRuntime, type Provider, type Reply, type SetupRuntime } from './providers.js';

let intuit: Provider;
let xero: Provider;
let hub: Provider;
let rt: SetupRuntime;

/** What the Xero-like `GET /connections` answers next (tenants of the grant), or a failure. */
let xeroConnections: Reply;
let xeroTokens = 0;
let hubTeardown: Reply = { status: 204 };
/** The realmId the Intuit-like redirect carries; undefined: none. */
let realm: string | undefined;

const MAPLE = { id: 'e1eede29-f875-4a5d-8470-17f6a29a88b1', authEventId: 'd99ecdfe-391d-43d2-b834-17636ba90e8d', tenantId: '70784a63-d24b-46a9-a4db-0e70a274b056', tenantType: 'ORGANISATION', tenantName: 'Maple Florists', createdDateUtc: '2019-07-09T23:40:30.1833130', updatedDateUtc: '2020-05-15T01:35:13.8491980' };
const DEMO = { id: '32587c85-a9b3-4306-ac30-b416e8f2c841', authEventId: 'd99ecdfe-391d-43d2-b834-17636ba90e8d', tenantId: 'e0da6937-de07-4a14-adee-37abfac298ce', tenantType: 'ORGANISATION', tenantName: 'Demo Company (AU)', createdDateUtc: '2020-05-15T01:35:13.8491980', updatedDateUtc: '2020-05-15T01:35:13.8491980' };
const PRACTICE = { ...DEMO, id: 'c3a1f9b0-0000-4000-8000-000000000003', tenantId: 'a9a9a9a9-0000-4000-8000-000000000003', tenantType: 'PRACTICE', tenantName: 'Practice Manager' };

const quickbooks = () => `
patchbay: 1
id: quickbooks
name: QuickBooks Online
auth:
  type: oauth2
  authorize_url: ${intuit.url}/connect/oauth2
  token_url: ${intuit.url}/oauth2/v1/tokens/bearer
  scopes: [com.intuit.quickbooks.accounting]
  client_auth: basic
http:
  base_url: ${intuit.url}
  retry: { max_attempts: 1 }
setup:
  - name: company
    capture: { realm_id: realmId }
check:
  request: { path: '/v3/company/{{settings.realm_id}}/companyinfo/{{settings.realm_id}}' }
  settings: { company_name: CompanyInfo.CompanyName }
`;

const xeroManifest = () => `
patchbay: 1
id: xero
name: Xero
auth:
  type: oauth2
  authorize_url: ${xero.url}/identity/connect/authorize
  token_url: ${xero.url}/connect/token
  scopes: [openid, offline_access, accounting.settings.read]
http:
  base_url: ${xero.url}/api.xro/2.0
  headers: { xero-tenant-id: '{{settings.tenant_id}}' }
  retry: { max_attempts: 1 }
setup:
  - name: tenant
    request: { method: GET, url: ${xero.url}/connections }
    choose: { from: "$[tenantType='ORGANISATION']", id: tenantId, label: tenantName }
    settings: { tenant_id: tenantId, tenant_name: tenantName }
check:
  request: { path: /Organisation }
  output: "{ 'name': Organisations[0].Name }"
actions:
  organisation: { request: { path: /Organisation }, output: "Organisations[0].Name" }
`;

// HubSpot: the portal of a token from GET /oauth/v1/access-tokens/{token} (`hub_id`), and
// DELETE /oauth/v1/refresh-tokens/{token} to revoke the grant on the way out.
// https://developers.hubspot.com/docs/api/oauth/tokens
const hubspot = () => `
patchbay: 1
id: hubspot_tokens
name: HubSpot (tokens given)
credentials:
  type: object
  required: [access_token, refresh_token]
  properties: { access_token: { type: string }, refresh_token: { type: string } }
auth:
  type: bearer
  token: '{{credentials.access_token}}'
http:
  base_url: ${hub.url}
  retry: { max_attempts: 1 }
setup:
  - name: portal
    request: { path: '/oauth/v1/access-tokens/{{credentials.access_token}}' }
    settings: { portal_id: "$string(hub_id)", hub_domain: hub_domain }
teardown:
  - name: revoke
    request: { method: DELETE, path: '/oauth/v1/refresh-tokens/{{credentials.refresh_token}}' }
check:
  request: { path: /crm/v3/objects/contacts, query: { limit: '1' } }
`;

beforeAll(async () => {
  intuit = await startProvider((r) => {
    if (r.path === '/connect/oauth2') return approve(r, realm === undefined ? {} : { realmId: realm });
    if (r.path === '/oauth2/v1/tokens/bearer') {
      return { body: { token_type: 'bearer', expires_in: 3600, refresh_token: 'AB11-intuit-refresh', x_refresh_token_expires_in: 8726400, access_token: 'eyJ-intuit-access' } };
    }
    const m = /^\/v3\/company\/(\d+)\/companyinfo\/(\d+)$/.exec(r.path);
    if (m && m[1] === m[2]) return { body: { CompanyInfo: { CompanyName: 'Sandbox Company_US_1', Id: '1', Country: 'US' }, time: '2024-01-10T08:15:30.000-08:00' } };
    return { status: 404, body: { Fault: { Error: [{ Message: 'not found' }], type: 'ValidationFault' } } };
  });
  xero = await startProvider((r) => {
    if (r.path === '/identity/connect/authorize') return approve(r);
    if (r.path === '/connect/token') {
      xeroTokens++;
      return { body: { id_token: 'eyJ-id', access_token: `xero-access-${xeroTokens}`, expires_in: 1800, token_type: 'Bearer', refresh_token: `xero-refresh-${xeroTokens}`, scope: 'openid offline_access accounting.settings.read' } };
    }
    if (r.path === '/connections') return xeroConnections;
    if (r.path === '/api.xro/2.0/Organisation') {
      const tenant = r.headers['xero-tenant-id'];
      const org = [MAPLE, DEMO].find((t) => t.tenantId === tenant);
      return org ? { body: { Organisations: [{ Name: org.tenantName }] } } : { status: 403, body: { Type: null, Title: 'Forbidden', Status: 403, Detail: 'AuthenticationUnsuccessful' } };
    }
    return { status: 404, body: {} };
  });
  hub = await startProvider((r) => {
    if (r.headers.authorization !== 'Bearer CJ-hub-access' && r.path.startsWith('/crm/')) return { status: 401, body: { status: 'error', message: 'Authentication credentials not found.', category: 'INVALID_AUTHENTICATION' } };
    const info = /^\/oauth\/v1\/access-tokens\/(.+)$/.exec(r.path);
    if (info) {
      if (info[1] !== 'CJ-hub-access') return { status: 404, body: { status: 'error', message: 'The OAuth token used to make this call expired or is invalid.', category: 'EXPIRED_AUTHENTICATION' } };
      return { body: { token: info[1], user: 'demo@example.com', hub_domain: 'demo-portal.com', scopes: ['crm.objects.contacts.read'], hub_id: 62515, app_id: 456, expires_in: 1754, user_id: 123, token_type: 'access' } };
    }
    if (r.path.startsWith('/oauth/v1/refresh-tokens/')) return hubTeardown;
    if (r.path === '/crm/v3/objects/contacts') return { body: { results: [] } };
    return { status: 404, body: {} };
  });
  rt = await startSetupRuntime({ quickbooks: quickbooks(), xero: xeroManifest(), hubspot_tokens: hubspot() }, ['quickbooks', 'xero']);
});

afterAll(async () => {
  await rt?.close();
  await Promise.all([intuit?.stop(), xero?.stop(), hub?.stop()]);
});

beforeEach(() => {
  xeroConnections = { body: [MAPLE] };
  hubTeardown = { status: 204 };
  realm = '9130347596842384658';
});

const platform = () => rt.running.platform;
const connectionByName = (tenant: string, connector: string, name = 'main') => platform().connections.findByName(tenant, connector, name);
const provenRoutes = async (id: string) =>
  (await platform().store.unscoped('test: what a connection proved').from('connection_routes').where('connection_id', id).select('setting', 'source')) as Array<{ setting: string; source: string }>;

describe('capture: callback parameters into settings', () => {
  it('QuickBooks realmId capture: the redirect\'s realmId becomes a setting the check uses, never a proven route', async () => {
    const returned = await rt.consent('quickbooks', {}, 'qb-tenant');
    expect(returned.searchParams.get('status'), returned.toString()).toBe('success');
    const info = await connectionByName('qb-tenant', 'quickbooks');
    expect(info?.status).toBe('active');
    expect(info?.settings.realm_id).toBe('9130347596842384658');
    expect(info?.settings.company_name).toBe('Sandbox Company_US_1');
    // The check went to the company the redirect named.
    expect(intuit.received.some((r) => r.path === '/v3/company/9130347596842384658/companyinfo/9130347596842384658' && r.headers.authorization === 'Bearer eyJ-intuit-access')).toBe(true);
    // The realm id came through the browser: only what the provider's API answered routes webhooks.
    const routes = await provenRoutes(info!.id);
    expect(routes.map((r) => r.setting)).toContain('company_name');
    expect(routes.map((r) => r.setting)).not.toContain('realm_id');
  });

  it('fails the consent with setup_failed, naming the step, when the redirect has no realmId; nothing is stored', async () => {
    realm = undefined;
    const before = intuit.received.length;
    const returned = await rt.consent('quickbooks', {}, 'qb-norealm');
    expect(returned.searchParams.get('status')).toBe('error');
    expect(returned.searchParams.get('error')).toBe('setup_failed');
    expect(returned.searchParams.get('error_description')).toContain('setup step "company"');
    expect(returned.searchParams.get('error_description')).toContain('no "realmId" parameter');
    expect(returned.searchParams.get('connection_id')).toBeNull();
    expect(await connectionByName('qb-norealm', 'quickbooks')).toBeUndefined();
    // The tokens were obtained, but no API call was made for a company nobody named.
    expect(intuit.received.slice(before).filter((r) => r.path.startsWith('/v3/'))).toHaveLength(0);
  });
});

describe('request and choose: Xero tenants', () => {
  it('Xero tenant choice: one organisation is taken at once and the check runs against it', async () => {
    const returned = await rt.consent('xero', {}, 'xero-one');
    expect(returned.searchParams.get('status'), returned.toString()).toBe('success');
    const info = await connectionByName('xero-one', 'xero');
    expect(info?.status).toBe('active');
    expect(info?.settings).toMatchObject({ tenant_id: MAPLE.tenantId, tenant_name: 'Maple Florists' });
    const calls = xero.received.filter((r) => r.path === '/connections');
    expect(calls.at(-1)?.headers.authorization).toMatch(/^Bearer xero-access-\d+$/);
    // No tenant yet when the connections were listed: the empty header is dropped, not sent.
    expect(calls.at(-1)?.headers['xero-tenant-id']).toBeUndefined();
    expect(xero.received.filter((r) => r.path === '/api.xro/2.0/Organisation').at(-1)?.headers['xero-tenant-id']).toBe(MAPLE.tenantId);
    const routes = await provenRoutes(info!.id);
    expect(routes).toContainEqual({ setting: 'tenant_id', source: 'token' });
  });

  it('Xero tenant choice: two organisations leave the connection in needs_choice until the API picks one', async () => {
    xeroConnections = { body: [MAPLE, PRACTICE, DEMO] };
    const returned = await rt.consent('xero', {}, 'xero-two');
    expect(returned.searchParams.get('status'), returned.toString()).toBe('needs_choice');
    const id = returned.searchParams.get('connection_id')!;
    const key = await rt.keyFor('xero-two');

    const waiting = await rt.call('GET', `/v1/connections/${id}`, { key });
    expect(waiting.status).toBe(200);
    expect(waiting.body.status).toBe('needs_choice');
    // The PRACTICE tenant is filtered out by `from`; ids and labels only, nothing of the token.
    expect(waiting.body.pending_choice).toEqual({
      step: 'tenant',
      options: [{ id: MAPLE.tenantId, label: 'Maple Florists' }, { id: DEMO.tenantId, label: 'Demo Company (AU)' }],
    });
    expect(waiting.text).not.toContain('xero-access');
    expect(waiting.body.settings.tenant_id).toBeUndefined();
    // The check has not run: no organisation was asked for yet.
    const orgCalls = () => xero.received.filter((r) => r.path === '/api.xro/2.0/Organisation').length;
    const orgsBefore = orgCalls();

    const early = await rt.call('POST', `/v1/connections/${id}/actions/organisation`, { key, body: {} });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('connection_needs_choice');

    const wrong = await rt.call('POST', `/v1/connections/${id}/choice`, { key, body: { option: PRACTICE.tenantId } });
    expect(wrong.status).toBe(422);
    expect(wrong.body.detail).toContain('is not one of the options');
    expect((await rt.call('GET', `/v1/connections/${id}`, { key })).body.status).toBe('needs_choice');

    const chosen = await rt.call('POST', `/v1/connections/${id}/choice`, { key, body: { option: DEMO.tenantId } });
    expect(chosen.status, chosen.text).toBe(200);
    expect(chosen.body.status).toBe('active');
    expect(chosen.body.pending_choice).toBeUndefined();
    expect(chosen.body.settings).toMatchObject({ tenant_id: DEMO.tenantId, tenant_name: 'Demo Company (AU)' });
    expect(orgCalls()).toBe(orgsBefore + 1);
    expect(xero.received.filter((r) => r.path === '/api.xro/2.0/Organisation').at(-1)?.headers['xero-tenant-id']).toBe(DEMO.tenantId);

    const call = await rt.call('POST', `/v1/connections/${id}/actions/organisation`, { key, body: {} });
    expect(call.status).toBe(200);
    expect(call.body.output).toBe('Demo Company (AU)');
    expect(await provenRoutes(id)).toContainEqual({ setting: 'tenant_id', source: 'setup' });

    const again = await rt.call('POST', `/v1/connections/${id}/choice`, { key, body: { option: MAPLE.tenantId } });
    expect(again.status).toBe(409);
  });

  it('a failed step on a new consent stores nothing and says which step failed and why', async () => {
    xeroConnections = { status: 500, body: { Title: 'An error occurred', Status: 500, Detail: 'Something went wrong' } };
    const returned = await rt.consent('xero', {}, 'xero-fail');
    expect(returned.searchParams.get('error')).toBe('setup_failed');
    expect(returned.searchParams.get('error_description')).toMatch(/setup step "tenant" of connector xero failed: .*500/);
    expect(returned.searchParams.get('error_description')).not.toContain('xero-access');
    expect(await connectionByName('xero-fail', 'xero')).toBeUndefined();
  });

  it('a grant with no organisation fails the step: nothing to choose', async () => {
    xeroConnections = { body: [PRACTICE] };
    const returned = await rt.consent('xero', {}, 'xero-none');
    expect(returned.searchParams.get('error')).toBe('setup_failed');
    expect(returned.searchParams.get('error_description')).toContain('no candidate');
    expect(await connectionByName('xero-none', 'xero')).toBeUndefined();
  });

  it('a failed step on a reconnect keeps the old connection as it was: tokens, settings, status', async () => {
    expect((await rt.consent('xero', {}, 'xero-re')).searchParams.get('status')).toBe('success');
    const before = await platform().connections.resolve((await connectionByName('xero-re', 'xero'))!.id);
    xeroConnections = { status: 401, body: { Title: 'Unauthorized', Status: 401, Detail: 'AuthenticationUnsuccessful' } };
    const returned = await rt.consent('xero', {}, 'xero-re');
    expect(returned.searchParams.get('error')).toBe('setup_failed');
    const after = await platform().connections.resolve(before.info.id);
    expect(after.info.status).toBe('active');
    expect(after.info.settings).toEqual(before.info.settings);
    expect(after.connection.credentials?.access_token).toBe(before.connection.credentials?.access_token);
    expect(after.info.updatedAt).toBe(before.info.updatedAt);
  });
});

describe('connect over HTTP runs the steps too', () => {
  const body = (tenant: string, token = 'CJ-hub-access') => ({ connector: 'hubspot_tokens', name: `portal-${tenant}`, credentials: { access_token: token, refresh_token: 'hub-refresh-1' } });

  it("stores the portal id from HubSpot's token info, proven for webhook routing", async () => {
    const key = await rt.keyFor('hub-a');
    const res = await rt.call('POST', '/v1/connections', { key, body: body('hub-a') });
    expect(res.status, res.text).toBe(201);
    expect(res.body.settings).toEqual({ portal_id: '62515', hub_domain: 'demo-portal.com' });
    expect(res.text).not.toContain('CJ-hub-access');
    expect(await provenRoutes(res.body.id)).toContainEqual({ setting: 'portal_id', source: 'setup' });
  });

  it('a failed step answers the provider failure naming the step, and nothing is stored', async () => {
    const key = await rt.keyFor('hub-b');
    const res = await rt.call('POST', '/v1/connections', { key, body: body('hub-b', 'CJ-expired') });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('provider_not_found');
    expect(res.body.detail).toContain('setup step "portal" of connector hubspot_tokens failed');
    expect(res.text).not.toContain('CJ-expired');
    const list = await rt.call('GET', '/v1/connections?connector=hubspot_tokens', { key });
    expect(list.body.connections).toEqual([]);
  });

  it('disconnect sends the teardown request with the credentials, and a failing one never blocks it', async () => {
    const key = await rt.keyFor('hub-c');
    const created = await rt.call('POST', '/v1/connections', { key, body: body('hub-c') });
    const seen = hub.received.length;
    const gone = await rt.call('DELETE', `/v1/connections/${created.body.id}`, { key });
    expect(gone.status).toBe(200);
    expect(gone.body.status).toBe('disconnected');
    const revoke = hub.received.slice(seen).find((r) => r.method === 'DELETE');
    expect(revoke?.path).toBe('/oauth/v1/refresh-tokens/hub-refresh-1');
    expect(revoke?.headers.authorization).toBe('Bearer CJ-hub-access');

    hubTeardown = { status: 500, body: { status: 'error', message: 'internal error' } };
    const second = await rt.call('POST', '/v1/connections', { key, body: { ...body('hub-c'), name: 'portal-hub-c2' } });
    const down = await rt.call('DELETE', `/v1/connections/${second.body.id}`, { key });
    expect(down.status).toBe(200);
    expect(down.body.status).toBe('disconnected');
    expect(rt.logs.some((l) => l.msg === 'teardown step failed; disconnecting anyway' && l.step === 'revoke' && l.connection === second.body.id)).toBe(true);
    expect(rt.rawLogs.join('\n')).not.toContain('hub-refresh-1');
  });
});

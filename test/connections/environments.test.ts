/**
 * Connector environments over real sockets: a connection picks one (stored, validated,
 * default the declared default), its requests go to that environment's base URL, its OAuth
 * consent to that environment's endpoints, and the operator app's host rule is the
 * environment's: a sandbox connection cannot be pointed at a production-only host.
 *
 * QuickBooks Online: production API `https://quickbooks.api.intuit.com`, sandbox
 * `https://sandbox-quickbooks.api.intuit.com`, the same OAuth hosts for both.
 * https://developer.intuit.com/app/developer/qbo/docs/develop/sandboxes
 * Salesforce: production logins at `https://login.salesforce.com`, sandboxes at
 * `https://test.salesforce.com`; the token response names the org's `instance_url`.
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../engine/run/engine.js';
import { createHttpClient } from '../../engine/run/http/client.js';
import { TokenRefresher } from '../../engine/platform/oauth/refresher.js';
import { isConnectorError } from '../../engine/core/errors.js';
import { compile } from '../engine/helpers.js';
import { LOCAL_OUTBOUND } from '../outbound/helpers.js';
import { approve, RETURN, startProvider, startSetupRuntime, type Provider, type Received, type Reply, type SetupRuntime } from './providers.js';

let prod: Provider;
let sandbox: Provider;
let other: Provider;
let login: Provider;
let test: Provider;
let rt: SetupRuntime;

function intuitApi(env: string) {
  return (r: Received): Reply => {
    if (r.headers.authorization !== 'Bearer qbo-token') return { status: 401, body: { fault: { error: [{ message: 'AuthenticationFailed' }], type: 'AUTHENTICATION' } } };
    if (/^\/v3\/company\/\d+\/companyinfo\/\d+$/.test(r.path)) return { body: { CompanyInfo: { CompanyName: `${env} company`, Id: '1' } } };
    if (r.path.endsWith('/query')) return { body: { QueryResponse: { env, echoed: r.query.get('env') } } };
    if (/\/customer\/\d+$/.test(r.path)) return { body: { Customer: { id: r.path.split('/').pop(), env, echoed: r.query.get('env') } } };
    return { body: { env } };
  };
}

function salesforceLogin(instance: () => string) {
  return (r: Received): Reply => {
    if (r.path === '/services/oauth2/authorize') return approve(r);
    if (r.path === '/services/oauth2/token') {
      return { body: { access_token: '00Dxx!sf-access', refresh_token: '5Aep-sf-refresh', instance_url: instance(), id: `${instance()}/id/00Dxx/005xx`, token_type: 'Bearer', issued_at: '1700000000000', signature: 'c2lnbmF0dXJl' } };
    }
    if (r.path === '/services/oauth2/userinfo') return { body: { user_id: '005xx', organization_id: '00Dxx' } };
    return { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };
  };
}

const qbo = () => `
patchbay: 1
id: qbo_env
name: QuickBooks (environments)
config:
  type: object
  required: [realm_id]
  properties: { realm_id: { type: string } }
credentials:
  type: object
  required: [access_token]
  properties: { access_token: { type: string } }
auth: { type: bearer, token: '{{credentials.access_token}}' }
http:
  base_url: ${prod.url}
  retry: { max_attempts: 1 }
environments:
  production: { title: Production }
  sandbox: { title: Sandbox, base_url: ${sandbox.url} }
check:
  request: { path: '/v3/company/{{config.realm_id}}/companyinfo/{{config.realm_id}}' }
  settings: { company_name: CompanyInfo.CompanyName }
actions:
  query:
    request: { path: '/v3/company/{{config.realm_id}}/query', query: { query: select * from CompanyInfo, env: '{{environment.name}}' } }
    output: QueryResponse
  elsewhere:
    request: { path: /elsewhere }
    http: { base_url: ${other.url} }
    output: env
streams:
  customers:
    request: { path: '/v3/company/{{config.realm_id}}/query' }
    records: QueryResponse.Customer
    primary_key: id
    get:
      request: { path: '/v3/company/{{config.realm_id}}/customer/{{id}}', query: { env: '{{environment.name}}' } }
      record: Customer
`;

const salesforce = () => `
patchbay: 1
id: salesforce_env
name: Salesforce (environments)
config:
  type: object
  properties: { login_url: { type: string } }
auth:
  type: oauth2
  authorize_url: '{{default config.login_url "${login.url}"}}/services/oauth2/authorize'
  token_url: '{{default config.login_url "${login.url}"}}/services/oauth2/token'
  hosts: ['${login.host}']
  settings: { instance_url: instance_url }
http:
  base_url: '{{settings.instance_url}}'
  retry: { max_attempts: 1 }
environments:
  production: { title: Production }
  sandbox:
    title: Sandbox
    oauth:
      authorize_url: '{{default config.login_url "${test.url}"}}/services/oauth2/authorize'
      token_url: '{{default config.login_url "${test.url}"}}/services/oauth2/token'
      hosts: ['${test.host}']
check:
  request: { path: /services/oauth2/userinfo }
`;

const noEnvironments = `
patchbay: 1
id: plain
name: Plain
auth: { type: bearer, token: '{{credentials.token}}' }
http: { base_url: https://api.plain.example }
`;

beforeAll(async () => {
  prod = await startProvider(intuitApi('production'));
  sandbox = await startProvider(intuitApi('sandbox'));
  other = await startProvider(() => ({ body: { env: 'other' } }));
  login = await startProvider(salesforceLogin(() => login.url));
  test = await startProvider(salesforceLogin(() => test.url));
  rt = await startSetupRuntime({ qbo_env: qbo(), salesforce_env: salesforce(), plain: noEnvironments }, ['salesforce_env']);
});

afterAll(async () => {
  await rt?.close();
  await Promise.all([prod, sandbox, other, login, test].map((p) => p?.stop()));
});

const connect = async (tenant: string, extra: Record<string, unknown> = {}) =>
  rt.call('POST', '/v1/connections', {
    key: await rt.keyFor(tenant),
    body: { connector: 'qbo_env', name: `main-${tenant}`, config: { realm_id: '4620816365178036850' }, credentials: { access_token: 'qbo-token' }, ...extra },
  });

const hits = (p: Provider, from: number) => p.received.slice(from).map((r) => r.path);

describe('a connection picks its environment', () => {
  it('lists the environments in describe, the default marked', async () => {
    const res = await rt.call('GET', '/v1/connectors/qbo_env', { key: rt.adminKey });
    expect(res.status).toBe(200);
    expect(res.body.environments).toEqual([
      { name: 'production', title: 'Production', default: true },
      { name: 'sandbox', title: 'Sandbox', default: false, base_url: sandbox.url },
    ]);
  });

  it('gets the default environment when it names none: the connector base URL', async () => {
    const p = prod.received.length;
    const s = sandbox.received.length;
    const res = await connect('env-default');
    expect(res.status, res.text).toBe(201);
    expect(res.body.environment).toBe('production');
    expect(res.body.settings.company_name).toBe('production company');
    expect(hits(prod, p)).toEqual(['/v3/company/4620816365178036850/companyinfo/4620816365178036850']);
    expect(hits(sandbox, s)).toEqual([]);
  });

  it("sends a sandbox connection's check and actions to the sandbox base URL, and templates see environment.name", async () => {
    const p = prod.received.length;
    const s = sandbox.received.length;
    const res = await connect('env-sandbox', { environment: 'sandbox' });
    expect(res.status, res.text).toBe(201);
    expect(res.body.environment).toBe('sandbox');
    // The check's settings are proven against the sandbox's own host.
    expect(res.body.settings.company_name).toBe('sandbox company');
    const key = await rt.keyFor('env-sandbox');
    const call = await rt.call('POST', `/v1/connections/${res.body.id}/actions/query`, { key, body: {} });
    expect(call.status, call.text).toBe(200);
    expect(call.body.output).toEqual({ env: 'sandbox', echoed: 'sandbox' });
    expect(hits(sandbox, s)).toHaveLength(2);
    expect(hits(prod, p)).toEqual([]);
    // An operation with a base URL of its own keeps it in every environment.
    const elsewhere = await rt.call('POST', `/v1/connections/${res.body.id}/actions/elsewhere`, { key, body: {} });
    expect(elsewhere.body.output).toBe('other');
  });

  it('refuses an environment the connector does not declare, storing nothing', async () => {
    const res = await connect('env-bad', { environment: 'staging' });
    expect(res.status).toBe(422);
    expect(res.body.detail).toContain('has no environment "staging"; declared: production, sandbox');
    const list = await rt.call('GET', '/v1/connections', { key: await rt.keyFor('env-bad') });
    expect(list.body.connections).toEqual([]);
    const plain = await rt.call('POST', '/v1/connections', {
      key: await rt.keyFor('env-bad'),
      body: { connector: 'plain', name: 'p', credentials: { token: 't' }, environment: 'sandbox', skip_check: true },
    });
    expect(plain.status).toBe(422);
    expect(plain.body.detail).toContain('declares no environments');
  });
});

describe('OAuth endpoints and host rules per environment', () => {
  const authorize = async (tenant: string, q: Record<string, string>) =>
    rt.call('GET', `/v1/oauth/salesforce_env/authorize?${new URLSearchParams({ connection_name: 'org', return_url: RETURN, redirect: 'false', ...q })}`, { key: await rt.keyFor(tenant) });

  it("consents a sandbox connection at the sandbox's login host and pins that host", async () => {
    const l = login.received.length;
    const returned = await rt.consent('salesforce_env', { environment: 'sandbox' }, 'sf-sandbox');
    expect(returned.searchParams.get('status'), returned.toString()).toBe('success');
    const exchange = test.received.find((r) => r.path === '/services/oauth2/token');
    expect(exchange?.body).toContain('client_secret=secret-salesforce_env');
    expect(login.received.length).toBe(l);
    const info = await rt.running.platform.connections.findByName('sf-sandbox', 'salesforce_env', 'main');
    expect(info?.status).toBe('active');
    const shown = await rt.call('GET', `/v1/connections/${info!.id}`, { key: await rt.keyFor('sf-sandbox') });
    expect(shown.body.environment).toBe('sandbox');
    expect(shown.body.settings.oauth_hosts).toEqual([test.host]);
    // The check went to the instance the sandbox's token response named.
    expect(test.received.some((r) => r.path === '/services/oauth2/userinfo' && r.headers.authorization === 'Bearer 00Dxx!sf-access')).toBe(true);
  });

  it('consents a production connection at the production login host by default', async () => {
    const res = await authorize('sf-prod', {});
    expect(res.status, res.text).toBe(200);
    expect(new URL(res.body.authorize_url).host).toBe(login.host);
  });

  it("refuses a sandbox consent pointed at a host declared only for production, sending the operator's secret nowhere", async () => {
    const l = login.received.length;
    const res = await authorize('sf-mixed', { environment: 'sandbox', config: JSON.stringify({ login_url: login.url }) });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('oauth_host_not_allowed');
    expect(res.body.detail).toContain(`host "${login.host}" is not allowed`);
    expect(res.body.detail).toContain(`may only be used with ${test.host}`);
    expect(login.received.length).toBe(l);
    // The same host is fine for a production connection.
    const ok = await authorize('sf-mixed', { config: JSON.stringify({ login_url: login.url }) });
    expect(ok.status).toBe(200);
    const wrongWay = await authorize('sf-mixed', { config: JSON.stringify({ login_url: test.url }) });
    expect(wrongWay.status).toBe(422);
  });

  it('refuses an unknown environment at the start of a consent', async () => {
    const res = await authorize('sf-unknown', { environment: 'staging' });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('invalid_environment');
  });
});

describe('background refresh', () => {
  it("refreshes a sandbox connection at the sandbox's token URL", async () => {
    const platform = rt.running.platform;
    const made = await platform.connections.create({
      tenant: 'sf-refresh', connector: 'salesforce_env', name: 'org', environment: 'sandbox', skipCheck: true,
      credentials: { access_token: 'old-access', refresh_token: 'old-refresh', expires_at: Date.now() + 5_000, client_id: 'c', client_secret: 's' },
      settings: { instance_url: test.url },
    });
    const client = createHttpClient({});
    try {
      const refresher = new TokenRefresher({ store: platform.store, connections: platform.connections, plans: platform.engine.plans, http: client });
      const l = login.received.length;
      const t = test.received.length;
      expect(await refresher.refreshOne('sf-refresh', made.id)).toBe('refreshed');
      const sent = test.received.slice(t).find((r) => r.path === '/services/oauth2/token');
      expect(new URLSearchParams(sent?.body).get('grant_type')).toBe('refresh_token');
      expect(new URLSearchParams(sent?.body).get('refresh_token')).toBe('old-refresh');
      expect(login.received.length).toBe(l);
      expect((await platform.connections.resolve(made.id)).connection.credentials?.access_token).toBe('00Dxx!sf-access');
    } finally {
      client.close();
    }
  });
});

describe('the embedded engine', () => {
  it('takes the environment on the connection and refuses an undeclared one', async () => {
    const engine = await createEngine({ connectors: [compile(qbo())], outbound: LOCAL_OUTBOUND });
    try {
      const s = sandbox.received.length;
      const conn = { connector: 'qbo_env', environment: 'sandbox', config: { realm_id: '1' }, credentials: { access_token: 'qbo-token' } };
      const out = await engine.call(conn, 'query', {});
      expect(out).toEqual({ env: 'sandbox', echoed: 'sandbox' });
      expect(sandbox.received.length).toBe(s + 1);
      // A stream's single-record request goes to the environment too.
      expect(await engine.get(conn, 'customers', '58')).toEqual({ id: '58', env: 'sandbox', echoed: 'sandbox' });
      const err = (await engine.call({ ...conn, environment: 'Sandbox' }, 'query', {}).catch((e: unknown) => e)) as Error;
      expect(isConnectorError(err) && err.kind).toBe('config');
      expect(err.message).toContain('declared: production, sandbox');
    } finally {
      await engine.close();
    }
  });
});

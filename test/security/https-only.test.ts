/**
 * Item 16: a guarded runtime speaks plain http only to hosts the operator lists in
 * PATCHBAY_ALLOW_HTTP_HOSTS. A tenant's "GitHub Enterprise" `api_url: http://…` (a listener
 * on 127.0.0.1, whose address the operator does allow) must never receive the token; an http
 * subscription URL is refused at creation and again at delivery time; an http token URL never
 * receives the operator's client secret. Allowing private addresses is not allowing http.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureOAuth, oauthFor } from '../../engine/runtime/oauth/context.js';
import { event, openDeliveries, startReceiver, type Receiver } from '../deliveries/helpers.js';
import { failure } from '../engine/helpers.js';
import { startServer } from '../paginate/helpers.js';
import { probeEngines, probePlan, startListener, type Listener } from '../outbound/helpers.js';
import { startRuntime, type TestRuntime } from '../runtime/helpers.js';
import { databaseKinds } from '../store/databases.js';

const TOKEN = 'ghp_canary_https_only_5d2c9a41';
const CLIENT_SECRET = 'canary-operator-secret-https-7e41b0';
const RETURN = 'https://host.example/done';

let api: Listener;
/** Private addresses allowed, plain http to nothing. */
let strict: TestRuntime;
/** The same, with the listener's host:port in the plain-http list. */
let open: TestRuntime;

const apiUrl = () => `http://127.0.0.1:${api.port}/api/v3`;
const origin = () => `http://127.0.0.1:${api.port}`;
const leaked = () => api.requests.filter((r) => JSON.stringify(r).includes(TOKEN) || JSON.stringify(r).includes(CLIENT_SECRET));

async function connect(rt: TestRuntime, skipCheck = false) {
  return rt.call('POST', '/v1/connections', {
    key: await rt.keyFor('mallory'),
    body: { connector: 'github', name: `ghe-${Math.random()}`, config: { owner: 'octo', repo: 'x', api_url: apiUrl() }, credentials: { token: TOKEN }, skip_check: skipCheck },
  });
}

beforeAll(async () => {
  api = await startListener({ login: 'octo', id: 1, name: 'Octo' });
  strict = await startRuntime({ outbound: { allowPrivate: true } });
  open = await startRuntime({ outbound: { allowPrivate: true, allowHttp: [`127.0.0.1:${api.port}`] } });
});

afterAll(async () => {
  await strict?.close();
  await open?.close();
  await api?.close();
});

describe('credential-bearing calls', () => {
  it('refuses an http api_url at the check with 422 insecure_url naming the origin, before the token is sent, unless the host is listed', async () => {
    const before = api.requests.length;
    const res = await connect(strict);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('insecure_url');
    expect(res.body.retryable).toBe(false);
    expect(res.body.detail).toContain(`${origin()} is plain http`);
    expect(res.text).not.toContain(TOKEN);
    expect(api.requests.length).toBe(before);

    // The same connection goes through once the operator lists the host for plain http.
    const allowed = await connect(open);
    expect(allowed.status, allowed.text).toBe(201);
    expect(api.requests.at(-1)).toMatchObject({ method: 'GET', url: '/api/v3/user' });
    expect(api.requests.at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    api.requests.length = 0;
  });

  it('refuses an action of a connection stored without a check the same way', async () => {
    const created = await connect(strict, true);
    expect(created.status).toBe(201);
    const before = api.requests.length;
    const res = await strict.call('POST', `/v1/connections/${created.body.id}/actions/get_issue`, { key: await strict.keyFor('mallory'), body: { number: 1 } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('insecure_url');
    expect(res.text).not.toContain(TOKEN);
    expect(api.requests.length).toBe(before);
    expect(leaked()).toHaveLength(0);
  });
});

describe('calls without credentials and redirects', () => {
  it('refuses plain http whatever the auth, and a redirect from a listed host to an unlisted one, before connecting', async () => {
    const probes = probeEngines(probePlan());
    const other = await startListener();
    const hop = await startServer(() => ({ status: 302, headers: { location: `http://127.0.0.1:${other.port}/data` } }));
    try {
      const hopHost = new URL(hop.url).host;
      const engine = await probes.with({ allowPrivate: true, allowHttp: [hopHost] });
      const refused = await failure(probes.call(engine, `http://127.0.0.1:${other.port}`));
      expect(refused).toMatchObject({ kind: 'config', code: 'insecure_url', retryable: false });
      const redirected = await failure(probes.call(engine, hop.url));
      expect(redirected).toMatchObject({ kind: 'config', code: 'insecure_url' });
      expect(redirected.message).toContain(`http://127.0.0.1:${other.port} is plain http`);
      expect(hop.seen).toHaveLength(1);
      expect(other.requests).toHaveLength(0);
    } finally {
      await probes.close();
      await hop.close();
      await other.close();
    }
  });
});

describe('OAuth token exchange', () => {
  it('never posts the client secret to an http token URL, even on a host the operator allows for the app', async () => {
    configureOAuth(strict.running.app.runtime.services, {
      env: {
        PATCHBAY_OAUTH_GITHUB_CLIENT_ID: 'operator-client',
        PATCHBAY_OAUTH_GITHUB_CLIENT_SECRET: CLIENT_SECRET,
        PATCHBAY_OAUTH_GITHUB_RETURN_URLS: RETURN,
        PATCHBAY_OAUTH_GITHUB_HOSTS: `127.0.0.1:${api.port}`,
      },
      outbound: { allowPrivate: true },
      logger: strict.logger,
    });
    const query = new URLSearchParams({ connection_name: 'ghe', return_url: RETURN, config: JSON.stringify({ owner: 'octo', repo: 'x', web_url: origin() }), redirect: 'false' });
    const start = await strict.call('GET', `/v1/oauth/github/authorize?${query}`, { key: await strict.keyFor('acme') });
    expect(start.status, start.text).toBe(200);
    const state = new URL(start.body.authorize_url).searchParams.get('state')!;
    const before = api.requests.length;
    const back = await strict.call('GET', `/v1/oauth/callback?${new URLSearchParams({ state, code: 'code-1' })}`, { redirect: 'manual' });
    expect(back.status).toBe(302);
    const returned = new URL(back.headers.get('location')!);
    expect(returned.searchParams.get('error')).toBe('exchange_failed');
    expect(returned.searchParams.get('error_description')).toContain(`${origin()} is plain http`);
    expect(returned.toString()).not.toContain(CLIENT_SECRET);
    expect(api.requests.length).toBe(before);
    expect(leaked()).toHaveLength(0);
    oauthFor(strict.running.app.runtime.services).close();
  });
});

describe('subscription URLs', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it('refuses an http target at creation with 422 insecure_url on /url', async () => {
    const res = await strict.call('POST', '/v1/subscriptions', { key: await strict.keyFor('acme'), body: { url: receiver.url, events: ['*'] } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('insecure_url');
    expect(res.body.errors).toEqual([{ path: 'body.url', message: expect.stringContaining(`${new URL(receiver.url).origin} is plain http`) }]);
    // The origin only: the target's path and query (often a token) are not echoed.
    expect(res.body.detail).not.toContain('team=ops');
    const https = await strict.call('POST', '/v1/subscriptions', { key: await strict.keyFor('acme'), body: { url: receiver.url.replace('http:', 'https:'), events: ['*'] } });
    expect(https.status).toBe(201);
  });

  it('refuses it again at delivery time when the host is no longer listed for http', async () => {
    const db = await databaseKinds()[0].create('https-only');
    const host = new URL(receiver.url).host;
    const before = await openDeliveries(db.url, { outbound: { allowPrivate: true, allowHttp: [host] } });
    const now = await openDeliveries(db.url, { outbound: { allowPrivate: true, allowHttp: [] } });
    try {
      const sub = await before.deliveries.createSubscription('acme', { url: receiver.url, events: ['ticket.*'] });
      await now.deliveries.publish(event());
      expect(await now.deliveries.runOnce()).toBe(1);
      expect(receiver.received).toHaveLength(0);
      const [d] = (await now.deliveries.listDeliveries('acme', sub.id)).items;
      expect(d.lastError).toBe(`outbound connection refused: http://${host} is plain http, which would send credentials and payloads unencrypted; use https, or list the host in PATCHBAY_ALLOW_HTTP_HOSTS (test servers and sandboxes only)`);
      expect(d.status).toBe('pending');
    } finally {
      await before.close();
      await now.close();
      await db.cleanup();
    }
  });
});

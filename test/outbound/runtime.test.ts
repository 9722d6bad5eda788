/**
 * SSRF through the runtime: a tenant controls the connector's base URL through config, so the
 * runtime (guard on by default, policy from the environment) must refuse private targets,
 * and allow them only when the operator says so.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer as startFake, type TestServer } from '../paginate/helpers.js';
import { CONNECTOR_ID, startOAuthRuntime, type OAuthTestRuntime } from '../oauth/helpers.js';

let api: TestServer;
let inner: TestServer;
const running: OAuthTestRuntime[] = [];

const ENV_KEYS = ['PATCHBAY_ALLOW_PRIVATE_NETWORKS', 'PATCHBAY_OUTBOUND_ALLOWLIST', 'PATCHBAY_ALLOW_HTTP_HOSTS'] as const;

async function runtimeFromEnv(env: Partial<Record<(typeof ENV_KEYS)[number], string>>): Promise<OAuthTestRuntime> {
  for (const k of ENV_KEYS) delete process.env[k];
  Object.assign(process.env, env);
  // No `outbound` option: the server reads the policy from the environment, as `patchbay serve` does.
  const rt = await startOAuthRuntime();
  running.push(rt);
  return rt;
}

async function createConnection(rt: OAuthTestRuntime, issuer: string, skipCheck = false) {
  const res = await fetch(`${rt.url}/v1/connections`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await rt.keyFor('acme')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ connector: CONNECTOR_ID, name: `c-${Math.random()}`, auth: 'token', config: { issuer }, credentials: { token: 'tok-canary-1234' }, skip_check: skipCheck }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function callAction(rt: OAuthTestRuntime, id: string) {
  const res = await fetch(`${rt.url}/v1/connections/${id}/actions/whoami`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await rt.keyFor('acme')}`, 'content-type': 'application/json' },
    body: '{}',
  });
  return { status: res.status, body: (await res.json()) as any };
}

beforeAll(async () => {
  inner = await startFake(() => ({ body: { sub: 'inner' } }));
  api = await startFake((req) => (req.path === '/hop/userinfo' ? { status: 302, headers: { location: `http://localhost:${new URL(inner.url).port}/userinfo` } } : { body: { sub: 'api' } }));
});

afterEach(() => {
  for (const k of ENV_KEYS) delete process.env[k];
});

afterAll(async () => {
  for (const rt of running) await rt.close();
  await api.close();
  await inner.close();
});

describe('runtime outbound guard', () => {
  it('refuses loopback, a name resolving to loopback, and the metadata address by default', async () => {
    const rt = await runtimeFromEnv({});
    const seen = api.seen.length;
    for (const [issuer, expected] of [
      [api.url, 'address 127.0.0.1 is loopback; set PATCHBAY_ALLOW_PRIVATE_NETWORKS=true to allow'],
      [api.url.replace('127.0.0.1', 'localhost'), '(resolved from localhost) is loopback'],
      ['http://169.254.169.254', 'address 169.254.169.254 is a cloud metadata endpoint'],
      ['http://10.255.255.1:9', 'address 10.255.255.1 is private'],
    ]) {
      const res = await createConnection(rt, issuer);
      expect(res.status, issuer).toBe(422);
      expect(res.body.code).toBe('invalid_connection');
      expect(res.body.detail).toContain(expected);
      expect(JSON.stringify(res.body)).not.toContain('tok-canary-1234');
    }
    // Stored without a check, the action is refused the same way.
    const stored = await createConnection(rt, api.url, true);
    expect(stored.status).toBe(201);
    const action = await callAction(rt, stored.body.id);
    expect(action.status).toBe(422);
    expect(action.body.detail).toContain('is loopback');
    expect(api.seen.length).toBe(seen);
  });

  it('allows private targets with PATCHBAY_ALLOW_PRIVATE_NETWORKS=true (plain http to them with PATCHBAY_ALLOW_HTTP_HOSTS)', async () => {
    const rt = await runtimeFromEnv({ PATCHBAY_ALLOW_PRIVATE_NETWORKS: 'true', PATCHBAY_ALLOW_HTTP_HOSTS: '127.0.0.1' });
    const res = await createConnection(rt, api.url);
    expect(res.status).toBe(201);
    const action = await callAction(rt, res.body.id);
    expect(action.status).toBe(200);
    expect(action.body).toEqual({ output: { sub: 'api' } });
  });

  it('allows an allowlisted host:port but refuses its redirect to another private target', async () => {
    const rt = await runtimeFromEnv({ PATCHBAY_OUTBOUND_ALLOWLIST: `127.0.0.1:${new URL(api.url).port}`, PATCHBAY_ALLOW_HTTP_HOSTS: `127.0.0.1:${new URL(api.url).port}` });
    const ok = await createConnection(rt, api.url);
    expect(ok.status).toBe(201);
    const innerSeen = inner.seen.length;
    const hop = await createConnection(rt, `${api.url}/hop`);
    expect(hop.status).toBe(422);
    expect(hop.body.detail).toMatch(/\(resolved from localhost\) is loopback/);
    expect(inner.seen.length).toBe(innerSeen);
  });
});

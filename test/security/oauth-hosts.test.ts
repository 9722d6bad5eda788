/**
 * Items 3 and 4: a tenant names its own "GitHub Enterprise" host (an attacker listener) in
 * config.web_url; the operator's client secret (a canary) must never reach it. And a forged
 * Host header must not change the redirect_uri.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureOAuth, oauthFor } from '../../engine/runtime/oauth/context.js';
import { startRuntime, type TestRuntime } from '../runtime/helpers.js';
import { LOCAL_OUTBOUND } from '../outbound/helpers.js';

const CANARY = 'canary-operator-secret-9f3a71';
const RETURN = 'https://host.example/done';

let attacker: http.Server;
let attackerUrl: string;
const received: string[] = [];
let rt: TestRuntime;

async function startWith(env: Record<string, string>): Promise<void> {
  configureOAuth(rt.running.app.runtime.services, {
    env: { PATCHBAY_OAUTH_GITHUB_CLIENT_ID: 'operator-client', PATCHBAY_OAUTH_GITHUB_CLIENT_SECRET: CANARY, PATCHBAY_OAUTH_GITHUB_RETURN_URLS: RETURN, ...env },
    outbound: LOCAL_OUTBOUND,
    logger: rt.logger,
  });
}

const authorize = async (tenant: string, config: Record<string, unknown>, headers: Record<string, string> = {}) =>
  rt.call('GET', `/v1/oauth/github/authorize?${new URLSearchParams({ connection_name: 'gh', return_url: RETURN, config: JSON.stringify(config), redirect: 'false' })}`, { key: await rt.keyFor(tenant), headers });

beforeAll(async () => {
  attacker = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(`${req.method} ${req.url} ${JSON.stringify(req.headers)} ${body}`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ access_token: 'gho_attacker', token_type: 'bearer', scope: 'repo' }));
    });
  });
  await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  rt = await startRuntime();
});

afterAll(async () => {
  await rt?.close();
  await new Promise((r) => attacker.close(r));
});

describe("the operator's OAuth client and tenant-chosen hosts", () => {
  it('refuses a consent whose web_url is not github.com with a 422 naming the host and the rule, sending nothing', async () => {
    await startWith({});
    const res = await authorize('mallory', { owner: 'octo', repo: 'x', web_url: attackerUrl });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('oauth_host_not_allowed');
    expect(res.body.detail).toContain(`host "${new URL(attackerUrl).host}" is not allowed`);
    expect(res.body.detail).toContain("operator's OAuth app of connector github may only be used with github.com");
    expect(res.body.detail).toContain('PATCHBAY_OAUTH_GITHUB_HOSTS');
    expect(received.filter((r) => r.includes(CANARY))).toHaveLength(0);
  });

  it('keeps github.com working for the operator app', async () => {
    await startWith({});
    const ok = await authorize('mallory', { owner: 'octo', repo: 'x' });
    expect(ok.status).toBe(200);
    expect(new URL(ok.body.authorize_url).host).toBe('github.com');
  });

  it("lets the tenant's own OAuth app use its own host (its own secret goes there, never the canary)", async () => {
    await startWith({});
    await oauthFor(rt.running.app.runtime.services).apps.set('github', { clientId: 'mallory-client', clientSecret: 'mallory-own-secret' }, { tenant: 'mallory' });
    const res = await authorize('mallory', { owner: 'octo', repo: 'x', web_url: attackerUrl });
    expect(res.status).toBe(200);
    const state = new URL(res.body.authorize_url).searchParams.get('state')!;
    const before = received.length;
    await rt.call('GET', `/v1/oauth/callback?${new URLSearchParams({ state, code: 'code-2' })}`, { redirect: 'manual' });
    const calls = received.slice(before);
    expect(calls.some((r) => r.startsWith('POST /login/oauth/access_token') && r.includes('mallory-own-secret'))).toBe(true);
    expect(received.filter((r) => r.includes(CANARY))).toHaveLength(0);
    await oauthFor(rt.running.app.runtime.services).apps.remove('github', { tenant: 'mallory' });
  });

  it('sends the operator secret to an enterprise host only once the operator allowlists it', async () => {
    await startWith({ PATCHBAY_OAUTH_GITHUB_HOSTS: new URL(attackerUrl).host });
    const res = await authorize('acme', { owner: 'octo', repo: 'x', web_url: attackerUrl });
    expect(res.status).toBe(200);
    const state = new URL(res.body.authorize_url).searchParams.get('state')!;
    const before = received.length;
    await rt.call('GET', `/v1/oauth/callback?${new URLSearchParams({ state, code: 'code-3' })}`, { redirect: 'manual' });
    expect(received.slice(before).some((r) => r.startsWith('POST /login/oauth/access_token') && r.includes(CANARY))).toBe(true);
    received.length = 0;
  });
});

describe('redirect_uri without PATCHBAY_PUBLIC_URL', () => {
  it('comes from the listen address, not a forged Host header', async () => {
    await startWith({});
    const key = await rt.keyFor('acme');
    const path = `/v1/oauth/github/authorize?${new URLSearchParams({ connection_name: 'gh', return_url: RETURN, config: JSON.stringify({ owner: 'octo', repo: 'x' }), redirect: 'false' })}`;
    // fetch will not send a forged Host: a raw request does.
    const text = await new Promise<string>((resolve, reject) => {
      const u = new URL(rt.url);
      const req = http.request({ host: u.hostname, port: u.port, path, headers: { host: 'evil.example.com', 'x-forwarded-host': 'evil.example.com', authorization: `Bearer ${key}` } }, (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve(b));
      });
      req.on('error', reject);
      req.end();
    });
    const body = JSON.parse(text);
    const redirect = new URL(body.authorize_url).searchParams.get('redirect_uri');
    expect(redirect).toBe(`${rt.url}/v1/oauth/callback`);
    expect(text).not.toContain('evil.example.com');
  });
});

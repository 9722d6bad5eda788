/**
 * Item 25, RFC 9207: a manifest that declares its issuer accepts an authorization response
 * only with that `iss`; a missing or other one is refused before the code is exchanged.
 */
import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureOAuth } from '../../engine/runtime/oauth/context.js';
import { startRuntime, type TestRuntime } from '../runtime/helpers.js';
import { LOCAL_OUTBOUND } from '../outbound/helpers.js';

const RETURN = 'https://host.example/done';
let idp: http.Server;
let idpUrl: string;
const tokenCalls: string[] = [];
let rt: TestRuntime;
let dir: string;

beforeAll(async () => {
  idp = http.createServer((req, res) => {
    req.resume();
    if (req.method === 'POST') tokenCalls.push(String(req.url));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.method === 'POST' ? { access_token: 'at-iss', token_type: 'bearer' } : { sub: 'me' }));
  });
  await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
  idpUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  dir = mkdtempSync(path.join(tmpdir(), 'patchbay-iss-'));
  mkdirSync(path.join(dir, 'issidp'));
  writeFileSync(path.join(dir, 'issidp', 'connector.yaml'), `
patchbay: 1
id: issidp
name: Issuer IdP
auth:
  default: oauth
  methods:
    oauth:
      type: oauth2
      authorize_url: '${idpUrl}/authorize'
      token_url: '${idpUrl}/token'
      issuer: '${idpUrl}'
http: { base_url: '${idpUrl}', retry: { max_attempts: 1 } }
check: { request: { path: /me } }
actions:
  me: { request: { path: /me }, output: "$" }
`);
  rt = await startRuntime({ connectorsDir: dir });
  configureOAuth(rt.running.app.runtime.services, {
    env: { PATCHBAY_OAUTH_ISSIDP_CLIENT_ID: 'cid', PATCHBAY_OAUTH_ISSIDP_CLIENT_SECRET: 'csecret', PATCHBAY_OAUTH_ISSIDP_RETURN_URLS: RETURN },
    outbound: LOCAL_OUTBOUND,
    logger: rt.logger,
  });
});

afterAll(async () => {
  await rt?.close();
  await new Promise((r) => idp.close(r));
  rmSync(dir, { recursive: true, force: true });
});

async function callback(extra: Record<string, string>): Promise<URL> {
  const start = await rt.call('GET', `/v1/oauth/issidp/authorize?${new URLSearchParams({ connection_name: `c${Math.random()}`, return_url: RETURN, redirect: 'false' })}`, { key: await rt.keyFor('acme') });
  expect(start.status, start.text).toBe(200);
  const state = new URL(start.body.authorize_url).searchParams.get('state')!;
  const back = await rt.call('GET', `/v1/oauth/callback?${new URLSearchParams({ state, code: 'the-code', ...extra })}`, { redirect: 'manual' });
  expect(back.status).toBe(302);
  return new URL(back.headers.get('location')!);
}

describe('RFC 9207 iss on the callback', () => {
  it.each([
    ['another issuer', { iss: 'https://attacker.example' }],
    ['no iss', {}],
  ])('refuses %s with invalid_issuer and exchanges nothing', async (_what, extra) => {
    const before = tokenCalls.length;
    const back = await callback(extra as Record<string, string>);
    expect(back.searchParams.get('error')).toBe('invalid_issuer');
    expect(tokenCalls.length).toBe(before);
  });

  it('accepts the declared issuer', async () => {
    const back = await callback({ iss: idpUrl });
    expect(back.searchParams.get('status'), back.toString()).toBe('success');
    expect(tokenCalls.at(-1)).toBe('/token');
  });
});

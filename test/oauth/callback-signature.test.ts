/**
 * `callback_signature`: a provider's HMAC over the authorization callback's query, checked
 * before the code is exchanged. The signed text is checked against Shopify's published vector
 * and @shopify/shopify-api's `utils.validateHmac`; end to end over real sockets, a signed
 * callback completes the consent and an unsigned or altered one is refused with
 * `invalid_callback_signature` without any call to the token endpoint.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@shopify/shopify-api/adapters/node';
import { ApiVersion, shopifyApi } from '@shopify/shopify-api';
import { signCallback, verifyCallbackSignature, type CallbackSignatureSpec } from '../../engine/components/auth/oauth2-callback.js';
import { configureOAuth, oauthFor } from '../../engine/runtime/oauth/context.js';
import { startRuntime, type TestRuntime } from '../runtime/helpers.js';
import { oauthManifestHead, startMockIdp, type MockIdp } from './helpers.js';

const SPEC: CallbackSignatureSpec = { param: 'hmac', algorithm: 'sha256', encoding: 'hex', exclude: ['signature'] };
const RETURN = 'https://host.example/done';
const SECRET = 'hush';

const MANIFEST = `${oauthManifestHead('signedidp', 'Signed callback provider')}      scopes: [read_orders]
      scope_separator: ","
      pkce: false
      callback_signature:
        param: hmac
        secret: '{{app.client_secret}}'
        exclude: [signature]
      credentials:
        type: object
        properties:
          access_token: { type: string }
http:
  base_url: '{{config.issuer}}'
  retry: { max_attempts: 1 }
check:
  request: { path: /userinfo }
`;

const shopify = () => shopifyApi({ apiKey: 'k', apiSecretKey: SECRET, apiVersion: ApiVersion.January25, hostName: 'patchbay.example.com', isEmbeddedApp: false, logger: { level: 0 } });

describe('the signed text', () => {
  it("is Shopify's: the published example's hmac (secret `hush`)", () => {
    // https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant (step 3)
    const query = { code: '0907a61c0c8d55e99db179b68161bc00', shop: 'some-shop.myshopify.com', state: '0.6784241404160823', timestamp: '1337178173' };
    expect(signCallback(SPEC, SECRET, query)).toBe('700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf');
    expect(verifyCallbackSignature(SPEC, SECRET, { ...query, hmac: '700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf' })).toEqual({ ok: true });
  });

  it('agrees with @shopify/shopify-api utils.validateHmac, both ways, with encoded values', async () => {
    const query: Record<string, string> = { code: 'c0de', host: 'YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvanNtaXRo==', shop: 'jsmith-shop.myshopify.com', state: 'st ate&x=y', timestamp: String(Math.floor(Date.now() / 1000)) };
    const hmac = signCallback(SPEC, SECRET, query);
    expect(await shopify().utils.validateHmac({ ...query, hmac } as never)).toBe(true);
    const changed = { ...query, shop: 'jsmith-shoq.myshopify.com', hmac };
    expect(await shopify().utils.validateHmac(changed as never)).toBe(false);
    expect(verifyCallbackSignature(SPEC, SECRET, changed)).toMatchObject({ ok: false });
    // Shopify's library leaves `signature` out as well.
    expect(verifyCallbackSignature(SPEC, SECRET, { ...query, hmac, signature: 'anything' })).toEqual({ ok: true });
  });

  it('refuses what cannot be a signature, never throwing', () => {
    const q = { code: 'c', shop: 's', timestamp: '1' };
    const good = signCallback(SPEC, SECRET, q);
    for (const hmac of ['', 'zz', good.slice(2), `${good}00`, good.toUpperCase().replace(/./, 'G')]) {
      expect(verifyCallbackSignature(SPEC, SECRET, { ...q, hmac }).ok).toBe(false);
    }
    expect(verifyCallbackSignature(SPEC, SECRET, { ...q, hmac: good.toUpperCase() })).toEqual({ ok: true });
    expect(verifyCallbackSignature(SPEC, SECRET, { ...q, hmac: [good, good] })).toMatchObject({ ok: false, reason: expect.stringContaining('more than once') });
    expect(verifyCallbackSignature(SPEC, SECRET, { ...q, shop: ['s', 't'], hmac: good })).toMatchObject({ ok: false, reason: expect.stringContaining('repeats') });
    expect(verifyCallbackSignature(SPEC, '', { ...q, hmac: good })).toMatchObject({ ok: false, reason: expect.stringContaining('secret renders empty') });
  });
});

describe('over real sockets', () => {
  let idp: MockIdp;
  let rt: TestRuntime;
  let dir: string;

  beforeAll(async () => {
    idp = await startMockIdp();
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-signed-'));
    mkdirSync(path.join(dir, 'signedidp'), { recursive: true });
    writeFileSync(path.join(dir, 'signedidp', 'connector.yaml'), MANIFEST);
    const outbound = { allowHttp: [`127.0.0.1:${idp.port}`] };
    rt = await startRuntime({ connectorsDir: dir, outbound, allowBaseUrlOverride: false, rateLimit: false }, 'debug');
    configureOAuth(rt.running.app.runtime.services, { outbound, env: { PATCHBAY_OAUTH_SIGNEDIDP_HOSTS: '127.0.0.1' }, logger: rt.logger });
    await oauthFor(rt.running.app.runtime.services).apps.set('signedidp', { clientId: 'client-1', clientSecret: SECRET, returnUrls: [RETURN] });
  });

  afterAll(async () => {
    await rt?.close();
    await idp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Starts a consent and answers its callback with `extra` beside the code and state, signed by `sign`. */
  async function callback(sign: (q: Record<string, string>) => Record<string, string>, name: string): Promise<URL> {
    const p = new URLSearchParams({ tenant: 'acme', connection_name: name, return_url: RETURN, config: JSON.stringify({ issuer: idp.url }) });
    const start = await rt.call('GET', `/v1/oauth/signedidp/authorize?${p}`, { key: rt.adminKey, redirect: 'manual' });
    expect(start.status, start.text).toBe(302);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const query = sign({ code: `code-${name}`, shop: 'jsmith-shop.myshopify.com', state, timestamp: String(Math.floor(Date.now() / 1000)) });
    const back = await rt.call('GET', `/v1/oauth/callback?${new URLSearchParams(query)}`, { redirect: 'manual' });
    expect(back.status).toBe(302);
    return new URL(back.headers.get('location')!);
  }

  it('a callback signed as Shopify signs it completes the consent', async () => {
    let signed: Record<string, string> = {};
    const returned = await callback((q) => (signed = { ...q, hmac: signCallback(SPEC, SECRET, q) }), 'good');
    expect(returned.searchParams.get('status'), returned.search).toBe('success');
    expect(await shopify().utils.validateHmac(signed as never)).toBe(true);
    expect(idp.tokenCalls.at(-1)?.body.code).toBe('code-good');
  });

  it('a callback with one parameter changed after signing is refused before the code is exchanged', async () => {
    const calls = idp.tokenCalls.length;
    let sent: Record<string, string> = {};
    const returned = await callback((q) => (sent = { ...q, hmac: signCallback(SPEC, SECRET, q), shop: 'attacker.myshopify.com' }), 'altered');
    expect(returned.searchParams.get('status')).toBe('error');
    expect(returned.searchParams.get('error')).toBe('invalid_callback_signature');
    expect(returned.searchParams.get('error_description')).toContain('does not match');
    expect(await shopify().utils.validateHmac(sent as never)).toBe(false);
    expect(idp.tokenCalls.length).toBe(calls);
  });

  it('an unsigned callback is refused before the code is exchanged', async () => {
    const calls = idp.tokenCalls.length;
    const returned = await callback((q) => q, 'unsigned');
    expect(returned.searchParams.get('error')).toBe('invalid_callback_signature');
    expect(returned.searchParams.get('error_description')).toBe('the callback carries no hmac parameter');
    expect(idp.tokenCalls.length).toBe(calls);
  });
});

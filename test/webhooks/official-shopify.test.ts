/**
 * The Shopify connector's webhook cases against Shopify's own validator: every tests.yaml
 * delivery is signed by the connector's verify kind (what `webhook.sign: true` does) and the
 * bytes and headers are handed to @shopify/shopify-api's `webhooks.validate` (node adapter),
 * which must accept them; a one-byte change of the body is refused by both. Cases that give
 * their own `X-Shopify-Hmac-Sha256` must give exactly what the kind computes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import '@shopify/shopify-api/adapters/node';
import { ApiVersion, shopifyApi } from '@shopify/shopify-api';
import type { Plan, PlanVerify } from '../../engine/plan/plan.js';
import { signDelivery, verifyDelivery } from '../../engine/components/verify/registry.js';
import type { VerifyInput } from '../../engine/components/verify/protocol.js';
import { allPlans, SHIPPED } from './helpers.js';

interface WebhookCase {
  name: string;
  secrets?: { client_secret?: string };
  webhook: { sign?: boolean; headers: Record<string, string>; body_file: string };
  expect: { rejected?: string };
}

const dir = path.join(SHIPPED, 'shopify');
const suite = parse(readFileSync(path.join(dir, 'tests.yaml'), 'utf8')) as { cases: WebhookCase[] };
const cases = suite.cases.filter((c) => c.webhook?.body_file && c.secrets?.client_secret);
// A case refused for its signature is the tampered-body one: its header was made for other bytes.
const signedRight = cases.filter((c) => c.expect.rejected !== 'bad_signature');

let plans: Map<string, Plan>;
beforeAll(async () => {
  plans = await allPlans();
});
const spec = (): PlanVerify => plans.get('shopify')!.webhooks!.verify;

const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), String(v)]));

function input(rawBody: Buffer, headers: Record<string, string>, secret: string): VerifyInput {
  return {
    rawBody, method: 'POST', url: 'https://hooks.example.com/v1/webhooks/shopify', headers, body: {},
    connection: { config: {}, credentials: {}, settings: {}, secrets: { client_secret: secret } }, now: Date.now(),
  };
}

/** Shopify's library, configured with the app's client secret as its API secret key. */
function shopify(secret: string) {
  return shopifyApi({
    apiKey: 'patchbay-test', apiSecretKey: secret, apiVersion: ApiVersion.January25,
    hostName: 'patchbay.example.com', isEmbeddedApp: false, logger: { level: 0 },
  });
}

async function officialValid(secret: string, rawBody: Buffer, headers: Record<string, string>): Promise<{ valid: boolean; reason?: string }> {
  const rawRequest = { headers, method: 'POST', url: '/v1/webhooks/shopify' };
  const rawResponse = { statusCode: 200, getHeaders: () => ({}) };
  return shopify(secret).webhooks.validate({ rawBody: rawBody.toString('utf8'), rawRequest, rawResponse } as never) as never;
}

function signed(c: WebhookCase): { rawBody: Buffer; headers: Record<string, string>; secret: string } {
  const rawBody = readFileSync(path.join(dir, c.webhook.body_file));
  const secret = c.secrets!.client_secret!;
  const given = lower(c.webhook.headers);
  const { headers } = signDelivery(spec(), input(rawBody, given, secret));
  return { rawBody, headers: { ...given, ...headers }, secret };
}

describe('Shopify webhook cases, checked by @shopify/shopify-api', () => {
  it('covers the signed cases of tests.yaml', () => {
    expect(signedRight.length).toBeGreaterThanOrEqual(10);
    expect(cases.length).toBeGreaterThan(signedRight.length);
  });

  it.each(signedRight.map((c) => [c.name, c] as const))('%s: signed by the verify kind, valid for Shopify', async (_name, c) => {
    const { rawBody, headers, secret } = signed(c);
    expect(verifyDelivery(spec(), input(rawBody, headers, secret))).toEqual({ ok: true });
    const official = await officialValid(secret, rawBody, headers);
    expect(official).toMatchObject({ valid: true, topic: headers['x-shopify-topic'].toUpperCase().replace(/\//g, '_'), domain: headers['x-shopify-shop-domain'] });
    const own = lower(c.webhook.headers)['x-shopify-hmac-sha256'];
    if (own !== undefined) expect(headers['x-shopify-hmac-sha256']).toBe(own);
  });

  it.each(signedRight.map((c) => [c.name, c] as const))('%s: one byte changed is refused by both', async (_name, c) => {
    const { rawBody, headers, secret } = signed(c);
    const changed = Buffer.from(rawBody);
    // The last byte is the closing brace; the one before it is payload.
    changed[changed.length - 2] ^= 0x01;
    expect(verifyDelivery(spec(), input(changed, headers, secret))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(await officialValid(secret, changed, headers)).toMatchObject({ valid: false, reason: 'invalid_hmac' });
  });

  it('the tampered-body case is refused by Shopify too', async () => {
    const c = cases.find((x) => x.expect.rejected === 'bad_signature')!;
    const rawBody = readFileSync(path.join(dir, c.webhook.body_file));
    const headers = lower(c.webhook.headers);
    expect(verifyDelivery(spec(), input(rawBody, headers, c.secrets!.client_secret!))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(await officialValid(c.secrets!.client_secret!, rawBody, headers)).toMatchObject({ valid: false, reason: 'invalid_hmac' });
  });

  it('a signature made with another secret is refused by both', async () => {
    const { rawBody, headers } = signed(signedRight[0]!);
    expect(verifyDelivery(spec(), input(rawBody, headers, 'shpss_other'))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(await officialValid('shpss_other', rawBody, headers)).toMatchObject({ valid: false, reason: 'invalid_hmac' });
  });
});

/**
 * The signed deliveries in connectors/hubspot/tests.yaml, checked by HubSpot's own code:
 * `Signature` of @hubspot/api-client computes v3 as base64 HMAC-SHA256(client secret,
 * method + URL + body + timestamp). The connector's cases pass only if the manifest's verify
 * recipe accepts them, so a manifest and its fixtures cannot agree on a wrong format: both
 * are held to the provider's verifier here, over the same bytes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { Signature } from '@hubspot/api-client/lib/src/utils/signature.js';
import { SHIPPED } from './helpers.js';

interface WebhookCase {
  name: string;
  now?: string;
  credentials?: Record<string, string>;
  app?: Record<string, string>;
  webhook?: { to?: string; public_url?: string; headers?: Record<string, string>; body_file?: string; body?: unknown };
  expect?: { rejected?: string };
}

const dir = path.join(SHIPPED, 'hubspot');
const suite = parse(readFileSync(path.join(dir, 'tests.yaml'), 'utf8')) as { defaults: { credentials: Record<string, string> }; cases: WebhookCase[] };
const signed = suite.cases.filter((c) => c.webhook?.headers?.['X-HubSpot-Signature-v3']);

function delivery(c: WebhookCase) {
  const w = c.webhook!;
  const body = w.body_file ? readFileSync(path.join(dir, w.body_file), 'utf8') : JSON.stringify(w.body);
  // The URL HubSpot signs is the target URL the app registered: this runtime's public URL
  // and the connector-level intake path (`to: connector`).
  const url = `${w.public_url}/v1/webhooks/hubspot`;
  // The app's client secret signs; a case that overrides the connection's secret keeps the app's.
  const clientSecret = c.app?.client_secret ?? c.credentials?.client_secret ?? suite.defaults.credentials.client_secret;
  return { body, url, clientSecret, timestamp: Number(w.headers!['X-HubSpot-Request-Timestamp']), signature: w.headers!['X-HubSpot-Signature-v3'] };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('hubspot tests.yaml signatures, checked by @hubspot/api-client', () => {
  it('the suite has signed deliveries, accepted and refused ones', () => {
    expect(signed.filter((c) => !c.expect?.rejected).length).toBeGreaterThanOrEqual(1);
    expect(signed.filter((c) => c.expect?.rejected === 'bad_signature').length).toBeGreaterThanOrEqual(1);
  });

  for (const c of signed) {
    it(`${c.expect?.rejected ? 'refuses' : 'accepts'}: ${c.name}`, () => {
      const d = delivery(c);
      vi.useFakeTimers({ now: Date.parse(c.now!) });
      const check = () => Signature.isValid({ signatureVersion: 'v3', method: 'POST', signature: d.signature, clientSecret: d.clientSecret, requestBody: d.body, url: d.url, timestamp: d.timestamp });
      // The client throws for a timestamp older than its five minutes, as the manifest refuses it.
      if (c.expect?.rejected === 'stale_timestamp') expect(check).toThrow(/Timestamp is invalid/);
      else expect(check()).toBe(c.expect?.rejected !== 'bad_signature');
    });
  }

  it('a one-byte change to an accepted body fails the official check', () => {
    const d = delivery(signed.find((c) => !c.expect?.rejected)!);
    vi.useFakeTimers({ now: d.timestamp + 1000 });
    const changed = d.body.replace('"objectId":123', '"objectId":124');
    expect(changed).not.toBe(d.body);
    expect(Signature.isValid({ signatureVersion: 'v3', method: 'POST', signature: d.signature, clientSecret: d.clientSecret, requestBody: changed, url: d.url, timestamp: d.timestamp })).toBe(false);
  });
});

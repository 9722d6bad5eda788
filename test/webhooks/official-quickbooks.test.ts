/**
 * The QuickBooks webhook cases of connectors/quickbooks/tests.yaml, signed exactly as the
 * runner signs them (the manifest's hmac kind through `signDelivery`), checked against
 * Intuit's documented recipe written here on its own with node:crypto: "hash the notification
 * payload with HMAC-SHA256, using your verifier token as the key; compare it with the
 * intuit-signature header, decoded from base64"
 * (https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-webhooks-notifications).
 * Intuit publishes no verifier package for Node, so the recipe is the reference; the
 * CloudEvents payload is signed the same way
 * (https://blogs.intuit.com/2025/11/12/upcoming-change-to-webhooks-payload-structure/).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Plan, PlanVerify } from '../../engine/plan/plan.js';
import { compileTemplate } from '../../engine/lang/template.js';
import { signDelivery, verifyDelivery } from '../../engine/components/verify/registry.js';
import type { SignInput } from '../../engine/components/verify/protocol.js';
import { allPlans, SHIPPED } from './helpers.js';

interface WebhookCase {
  name: string;
  secrets?: Record<string, string>;
  webhook?: { to?: string; sign?: boolean | { secret: string }; headers?: Record<string, string>; body?: string };
  expect: { rejected?: string };
}

const cases = (parse(readFileSync(path.join(SHIPPED, 'quickbooks', 'tests.yaml'), 'utf8')) as { cases: WebhookCase[] }).cases
  .filter((c) => c.webhook !== undefined);
const signed = cases.filter((c) => c.webhook!.sign !== undefined && c.webhook!.sign !== false);
const NOW = Date.parse('2026-12-04T12:00:00Z');

/** Intuit's recipe: base64 of HMAC-SHA256(verifier token, raw body). */
const intuitSignature = (token: string, raw: Buffer) => createHmac('sha256', token).update(raw).digest('base64');
/** Intuit's check: the header decoded from base64 equals the HMAC bytes. */
const intuitAccepts = (token: string, raw: Buffer, header: string) => {
  const want = createHmac('sha256', token).update(raw).digest();
  const got = Buffer.from(header, 'base64');
  return got.length === want.length && timingSafeEqual(got, want);
};

let plan: Plan;
let spec: PlanVerify;
beforeAll(async () => {
  plan = (await allPlans()).get('quickbooks')!;
  spec = plan.webhooks!.verify;
});

function input(c: WebhookCase, raw: Buffer, headers: Record<string, string> = {}): SignInput {
  return {
    rawBody: raw, method: 'POST', url: 'https://patchbay.example.com/v1/webhooks/quickbooks',
    headers: { 'content-type': 'application/json', ...headers }, body: JSON.parse(raw.toString('utf8')),
    connection: { config: {}, credentials: {}, settings: {}, secrets: c.secrets ?? {} },
    now: NOW,
  };
}

/** The spec the runner signs a connector-level case with: the URL's own secret, or the case's other one. */
function signingSpec(c: WebhookCase): PlanVerify {
  const s = c.webhook!.sign;
  if (typeof s === 'object') return { ...spec, secret: compileTemplate(s.secret) };
  return { ...spec, secret: plan.webhooks!.connection!.secret ?? spec.secret };
}

describe('quickbooks webhook cases sign as Intuit documents', () => {
  it('covers both payloads, signed and refused', () => {
    expect(signed.length).toBeGreaterThanOrEqual(5);
    expect(signed.some((c) => c.webhook!.body!.startsWith('['))).toBe(true);
    expect(signed.some((c) => c.webhook!.body!.startsWith('{"eventNotifications"'))).toBe(true);
    expect(cases.some((c) => c.expect.rejected === 'bad_signature' && c.webhook!.sign === undefined)).toBe(true);
  });

  for (const c of signed) {
    it(c.name, () => {
      const raw = Buffer.from(c.webhook!.body!, 'utf8');
      const token = typeof c.webhook!.sign === 'object' ? c.webhook!.sign.secret : c.secrets!.verifier_token!;
      const out = signDelivery(signingSpec(c), input(c, raw));
      expect(Object.keys(out.headers)).toEqual(['intuit-signature']);
      expect(out.headers['intuit-signature']).toBe(intuitSignature(token, raw));
      expect(intuitAccepts(token, raw, out.headers['intuit-signature']!)).toBe(true);

      // The connector accepts what Intuit signs with the app's own token, and nothing else.
      const own = { ...spec, secret: plan.webhooks!.connection!.secret ?? spec.secret };
      const header = { 'intuit-signature': out.headers['intuit-signature']! };
      expect(verifyDelivery(own, input(c, raw, header)).ok).toBe(c.expect.rejected === undefined);

      // One byte changed anywhere in the body, the same signature: refused, by both.
      const tampered = Buffer.from(raw);
      const at = tampered.indexOf('"id":"') + 6;
      tampered[at] = tampered[at] === 0x39 ? 0x38 : tampered[at]! + 1;
      expect(intuitAccepts(token, tampered, header['intuit-signature'])).toBe(false);
      expect(verifyDelivery(own, input(c, tampered, header))).toMatchObject({ ok: false, reason: 'bad_signature' });
    });
  }

  it('the fixed signature of the refused case is not the HMAC of its body', () => {
    const c = cases.find((x) => x.expect.rejected === 'bad_signature' && x.webhook!.sign === undefined)!;
    const raw = Buffer.from(c.webhook!.body!, 'utf8');
    const header = c.webhook!.headers!['intuit-signature']!;
    expect(intuitAccepts(c.secrets!.verifier_token!, raw, header)).toBe(false);
    const own = { ...spec, secret: plan.webhooks!.connection!.secret ?? spec.secret };
    expect(verifyDelivery(own, input(c, raw, { 'intuit-signature': header }))).toMatchObject({ ok: false, reason: 'bad_signature' });
  });
});

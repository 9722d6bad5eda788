/**
 * Xero publishes no webhook verifier (xero-node has none), so the xero connector's scheme is
 * checked against Xero's documented recipe, written here independently with node:crypto:
 * `x-xero-signature` is the base64 HMAC-SHA256 of the raw body keyed with the app's webhooks
 * key; a correct one gets 200, any other 401
 * (https://developer.xero.com/documentation/webhooks/configuring-your-server, "Intent to receive";
 * https://developer.xero.com/documentation/guides/webhooks/overview). Every webhook case of
 * connectors/xero/tests.yaml is checked: its literal signature, what `webhook.sign` makes of it,
 * and that a body changed by one byte is refused.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlanVerify } from '../../engine/plan/plan.js';
import { loadTestSuite } from '../../engine/testing/index.js';
import type { TestCase } from '../../engine/testing/types.js';
import { signDelivery, verifyDelivery } from '../../engine/components/verify/registry.js';
import type { VerifyInput } from '../../engine/components/verify/protocol.js';
import { allPlans, SHIPPED } from './helpers.js';

const DIR = path.join(SHIPPED, 'xero');
const URL_CALLED = 'https://hooks.example.com/v1/webhooks/xero';

/** Xero's recipe, nothing of the engine's. */
const xeroSignature = (key: string, raw: Buffer): string => createHmac('sha256', Buffer.from(key, 'utf8')).update(raw).digest('base64');

let spec: PlanVerify;
let cases: TestCase[];
beforeAll(async () => {
  spec = (await allPlans()).get('xero')!.webhooks!.verify;
  cases = (await loadTestSuite(path.join(DIR, 'tests.yaml'))).cases.filter((c) => c.webhook?.body_file);
});

function delivery(raw: Buffer, key: string, headers: Record<string, string>): VerifyInput {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    body = undefined;
  }
  return { rawBody: raw, method: 'POST', url: URL_CALLED, headers, body, connection: { config: {}, credentials: {}, settings: {}, secrets: { webhook_key: key } }, now: Date.now() };
}

const bodyOf = (c: TestCase): Buffer => readFileSync(path.resolve(DIR, c.webhook!.body_file!));
const keyOf = (c: TestCase): string => c.secrets!.webhook_key!;
const literal = (c: TestCase): string | undefined =>
  Object.entries(c.webhook!.headers).find(([k]) => k.toLowerCase() === 'x-xero-signature')?.[1];

describe('xero webhooks: the connector signs and verifies as Xero documents', () => {
  it('the suite has signed, wrongly signed and tampered cases to check', () => {
    expect(cases.filter((c) => c.expect.verified).length).toBeGreaterThanOrEqual(4);
    expect(cases.filter((c) => c.expect.rejected === 'bad_signature').length).toBeGreaterThanOrEqual(3);
    expect(cases.some((c) => c.webhook!.body_file!.includes('tampered'))).toBe(true);
    expect(cases.some((c) => c.webhook!.sign === true)).toBe(true);
  });

  it('each literal x-xero-signature is the recipe over the raw body exactly when the case expects it verified', () => {
    for (const c of cases.filter((x) => literal(x) !== undefined)) {
      const recipe = xeroSignature(keyOf(c), bodyOf(c));
      if (c.expect.verified) expect(literal(c), c.name).toBe(recipe);
      else expect(literal(c), c.name).not.toBe(recipe);
    }
  });

  it("the connector's own signing (webhook.sign) gives the recipe's signature, with the case's key or the sender's", () => {
    for (const c of cases) {
      const raw = bodyOf(c);
      const sender = typeof c.webhook!.sign === 'object' ? c.webhook!.sign.secret : keyOf(c);
      const out = signDelivery(spec, delivery(raw, sender, {}));
      expect(out.headers, c.name).toEqual({ 'x-xero-signature': xeroSignature(sender, raw) });
    }
  });

  it('a signature by the recipe verifies with the case key; by another key it is bad_signature', () => {
    for (const c of cases) {
      const raw = bodyOf(c);
      expect(verifyDelivery(spec, delivery(raw, keyOf(c), { 'x-xero-signature': xeroSignature(keyOf(c), raw) })), c.name).toEqual({ ok: true });
      expect(verifyDelivery(spec, delivery(raw, keyOf(c), { 'x-xero-signature': xeroSignature(`${keyOf(c)}x`, raw) })), c.name).toEqual({ ok: false, reason: 'bad_signature' });
    }
  });

  it('a body changed by one byte anywhere is refused', () => {
    for (const c of cases) {
      const raw = bodyOf(c);
      const headers = { 'x-xero-signature': xeroSignature(keyOf(c), raw) };
      for (const at of [0, Math.floor(raw.length / 2), raw.length - 1]) {
        const changed = Buffer.from(raw);
        changed[at] = changed[at]! ^ 0x01;
        expect(verifyDelivery(spec, delivery(changed, keyOf(c), headers)), `${c.name} @${at}`).toEqual({ ok: false, reason: 'bad_signature' });
      }
      // One byte more (a trailing newline a proxy might add) is a different body too.
      expect(verifyDelivery(spec, delivery(Buffer.concat([raw, Buffer.from('\n')]), keyOf(c), headers)), c.name).toEqual({ ok: false, reason: 'bad_signature' });
    }
  });

  it('the tampered fixture differs from the signed one by a single byte', () => {
    const a = readFileSync(path.join(DIR, 'webhooks/contact-update.json'));
    const b = readFileSync(path.join(DIR, 'webhooks/contact-update-tampered.json'));
    expect(b.length).toBe(a.length);
    expect([...a].filter((byte, i) => byte !== b[i]).length).toBe(1);
  });

  it('the signature is base64, not hex, and a missing header is missing_signature', () => {
    const c = cases[0]!;
    const raw = bodyOf(c);
    const hex = createHmac('sha256', keyOf(c)).update(raw).digest('hex');
    expect(verifyDelivery(spec, delivery(raw, keyOf(c), { 'x-xero-signature': hex }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyDelivery(spec, delivery(raw, keyOf(c), {}))).toEqual({ ok: false, reason: 'missing_signature' });
  });
});

/**
 * Verification kinds sign as they verify (`sign`, used by tests.yaml's `webhook.sign`): for
 * the shipped schemes the signature equals what the providers' own code computes (Stripe's
 * generateTestHeaderString, @octokit/webhooks-methods, the standardwebhooks package, Slack's
 * and HubSpot's documented recipes), and `signDelivery` refuses what it cannot do.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Plan, PlanVerify } from '../../engine/plan/plan.js';
import { compileTemplate } from '../../engine/lang/template.js';
import { signDelivery, verifyDelivery } from '../../engine/components/verify/registry.js';
import { literalBeforeGroup } from '../../engine/components/verify/common.js';
import type { SignInput } from '../../engine/components/verify/protocol.js';
import type { TokenVerify } from '../../engine/components/verify/token.js';
import type { HmacVerify } from '../../engine/components/verify/hmac.js';
import { allPlans, SECRETS, sign } from './helpers.js';

let plans: Map<string, Plan>;
beforeAll(async () => {
  plans = await allPlans();
});

const spec = (id: string): PlanVerify => plans.get(id)!.webhooks!.verify;
const BODY = '{"id":"evt_1","type":"thing.created","data":{"id":"1"}}';
const NOW = Date.parse('2026-03-02T09:30:00Z');
const URL_CALLED = 'https://hooks.example.com/v1/webhooks/hubspot';

function input(credentials: Record<string, unknown>, headers: Record<string, string> = {}): SignInput {
  return { rawBody: Buffer.from(BODY), method: 'POST', url: URL_CALLED, headers, body: JSON.parse(BODY), connection: { config: {}, credentials, settings: {} }, now: NOW };
}

describe('the shipped schemes sign like the providers', () => {
  it('stripe: one header, t= then v1=, as stripe.webhooks.generateTestHeaderString', () => {
    const out = signDelivery(spec('stripe'), input({ webhook_secret: SECRETS.stripe }));
    expect(out.headers).toEqual(sign.stripe(BODY, NOW / 1000));
  });

  it('github: sha256=<hex> as @octokit/webhooks-methods sign', async () => {
    const out = signDelivery(spec('github'), input({ webhook_secret: SECRETS.github }));
    expect(out.headers['x-hub-signature-256']).toBe((await sign.github(BODY, 'issues', 'd-1'))['x-hub-signature-256']);
  });

  it("slack: v0= over v0:<timestamp>:<body>, with the timestamp header", () => {
    expect(signDelivery(spec('slack'), input({ signing_secret: SECRETS.slack })).headers).toEqual(sign.slack(BODY, NOW / 1000));
  });

  it('hubspot v3: base64 over method, URL, body and the ms timestamp', () => {
    expect(signDelivery(spec('hubspot'), input({ client_secret: SECRETS.hubspot })).headers).toEqual(sign.hubspot(BODY, URL_CALLED, NOW));
  });

  it('standard webhooks: keeps the given webhook-id and signs as the standardwebhooks package', () => {
    const out = signDelivery(spec('hooktest'), input({ webhook_secret: SECRETS.hooktest }, { 'webhook-id': 'msg_42' }));
    expect(out.headers).toEqual(sign.standard(BODY, 'msg_42', new Date(NOW)));
  });

  it('standard webhooks: makes up a msg_ id when the case gives none', () => {
    const out = signDelivery(spec('hooktest'), input({ webhook_secret: SECRETS.hooktest }));
    expect(out.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{24}$/);
  });
});

describe('token and the refusals', () => {
  const token = (where: Partial<TokenVerify>): TokenVerify => ({ type: 'token', secret: compileTemplate('{{credentials.token}}'), secretEncoding: 'utf8', toleranceMs: 300_000, ...where });

  it('a token kind puts the secret in its header, or its query parameter', () => {
    expect(signDelivery(token({ header: 'x-gitlab-token' }), input({ token: 's3cret' }))).toEqual({ headers: { 'x-gitlab-token': 's3cret' } });
    expect(signDelivery(token({ query: 'token' }), input({ token: 's3cret' }))).toEqual({ headers: {}, query: { token: 's3cret' } });
  });

  it('a body-field token cannot be added by signing: a body without it is refused by the self-check', () => {
    expect(() => signDelivery(token({ bodyField: ['value', 'clientState'] }), input({ token: 's3cret' }))).toThrow(/signed a delivery that it then refuses \(missing_signature\)/);
  });

  it('a secret that renders empty is the case\'s mistake, named', () => {
    expect(() => signDelivery(spec('github'), input({}))).toThrow(/the verify secret renders empty for this case; set the value `\{\{credentials\.webhook_secret\}\}` reads/);
  });

  it('a kind without `sign` says so', () => {
    expect(() => signDelivery({ type: 'none', secretEncoding: 'utf8', toleranceMs: 0 }, input({}))).toThrow(/verify type "none" cannot sign a delivery; give its headers yourself/);
  });

  it('a pattern whose lead text is not plain is caught by the self-check, not sent', () => {
    const odd: HmacVerify = {
      ...(spec('github') as HmacVerify),
      signature: { header: 'x-sig', pattern: /(?:v1|v2)\s*([0-9a-f]+)/, encoding: 'hex' },
    };
    expect(() => signDelivery(odd, input({ webhook_secret: 'k' }))).toThrow(/verify type "hmac" signed a delivery that it then refuses \(bad_signature\); give its headers yourself/);
  });

  it('literalBeforeGroup reads the plain text right before the first group', () => {
    expect(literalBeforeGroup(/(?:^|,)\s*v1=([0-9a-f]+)/)).toBe('v1=');
    expect(literalBeforeGroup(/t=([0-9]+)/)).toBe('t=');
    expect(literalBeforeGroup(/\s([0-9]+)/)).toBe('');
    expect(literalBeforeGroup(/none/)).toBeUndefined();
  });

  it('what is signed verifies, and a changed body does not', () => {
    const s = spec('stripe');
    const i = input({ webhook_secret: SECRETS.stripe });
    const out = signDelivery(s, i);
    expect(verifyDelivery(s, { ...i, headers: out.headers })).toEqual({ ok: true });
    expect(verifyDelivery(s, { ...i, rawBody: Buffer.from(BODY.replace('1', '2')), headers: out.headers })).toEqual({ ok: false, reason: 'bad_signature' });
  });
});

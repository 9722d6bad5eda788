/**
 * The verifiers alone, against the shipped manifests' schemes and the providers' own signing
 * code: accepted when signed right, refused with the right reason otherwise, and never a
 * throw whatever the headers hold.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import type { Plan, PlanVerify } from '../../engine/plan/plan.js';
import type { HmacVerify } from '../../engine/components/verify/hmac.js';
import { compileTemplate } from '../../engine/lang/template.js';
import { verifyDelivery } from '../../engine/components/verify/registry.js';
import type { VerifyInput } from '../../engine/components/verify/protocol.js';
import { allPlans, SECRETS, sign } from './helpers.js';

let plans: Map<string, Plan>;
beforeAll(async () => {
  plans = await allPlans();
});

const spec = (id: string): PlanVerify => plans.get(id)!.webhooks!.verify;

function input(payload: string | Buffer, headers: Record<string, string>, credentials: Record<string, unknown>, extra: Partial<VerifyInput> = {}): VerifyInput {
  const rawBody = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  return {
    rawBody, method: 'POST', url: 'https://hooks.example.com/v1/webhooks/x', headers, body: {},
    connection: { config: {}, credentials, settings: {} }, now: Date.now(), ...extra,
  };
}

const stripeBody = JSON.stringify({ id: 'evt_1', type: 'customer.created', data: { object: { id: 'cus_1' } } });

describe('hmac, Stripe scheme (t= and any v1=)', () => {
  const creds = { webhook_secret: SECRETS.stripe };
  it('accepts the stripe library signature', () => {
    expect(verifyDelivery(spec('stripe'), input(stripeBody, sign.stripe(stripeBody), creds))).toEqual({ ok: true });
  });
  it('accepts when any one of several v1 signatures matches (secret rolling)', () => {
    const good = sign.stripe(stripeBody)['stripe-signature'];
    const t = /t=(\d+)/.exec(good)![1];
    const v1 = /v1=([0-9a-f]+)/.exec(good)![1];
    const header = `t=${t},v1=${'0'.repeat(64)},v0=abc,v1=${v1}`;
    expect(verifyDelivery(spec('stripe'), input(stripeBody, { 'stripe-signature': header }, creds))).toEqual({ ok: true });
  });
  it('refuses a one-byte change of the body', () => {
    const headers = sign.stripe(stripeBody);
    const tampered = stripeBody.replace('cus_1', 'cus_2');
    expect(verifyDelivery(spec('stripe'), input(tampered, headers, creds))).toEqual({ ok: false, reason: 'bad_signature' });
  });
  it('refuses a signature made with another secret', () => {
    const headers = sign.stripe(stripeBody, undefined, 'whsec_other');
    expect(verifyDelivery(spec('stripe'), input(stripeBody, headers, creds))).toEqual({ ok: false, reason: 'bad_signature' });
  });
  it('refuses stale and future timestamps, even when correctly signed', () => {
    const now = Date.now();
    const old = sign.stripe(stripeBody, Math.floor(now / 1000) - 301);
    const ahead = sign.stripe(stripeBody, Math.floor(now / 1000) + 301);
    const within = sign.stripe(stripeBody, Math.floor(now / 1000) - 290);
    expect(verifyDelivery(spec('stripe'), input(stripeBody, old, creds, { now }))).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verifyDelivery(spec('stripe'), input(stripeBody, ahead, creds, { now }))).toEqual({ ok: false, reason: 'future_timestamp' });
    expect(verifyDelivery(spec('stripe'), input(stripeBody, within, creds, { now }))).toEqual({ ok: true });
  });
  it('reports missing pieces', () => {
    expect(verifyDelivery(spec('stripe'), input(stripeBody, {}, creds))).toEqual({ ok: false, reason: 'missing_signature' });
    const v1only = sign.stripe(stripeBody)['stripe-signature'].replace(/t=\d+,/, '');
    expect(verifyDelivery(spec('stripe'), input(stripeBody, { 'stripe-signature': v1only }, creds))).toEqual({ ok: false, reason: 'missing_timestamp' });
    expect(verifyDelivery(spec('stripe'), input(stripeBody, sign.stripe(stripeBody), {}))).toEqual({ ok: false, reason: 'no_secret' });
  });
});

describe('hmac, GitHub scheme (prefixed header, no timestamp)', () => {
  const body = JSON.stringify({ action: 'opened', issue: { id: 1 } });
  const creds = { webhook_secret: SECRETS.github };
  it('accepts @octokit/webhooks-methods signatures and refuses others', async () => {
    const headers = await sign.github(body, 'issues', 'd-1');
    expect(verifyDelivery(spec('github'), input(body, headers, creds))).toEqual({ ok: true });
    expect(verifyDelivery(spec('github'), input(`${body} `, headers, creds))).toEqual({ ok: false, reason: 'bad_signature' });
    const noPrefix = { ...headers, 'x-hub-signature-256': headers['x-hub-signature-256'].slice('sha256='.length) };
    expect(verifyDelivery(spec('github'), input(body, noPrefix, creds))).toEqual({ ok: false, reason: 'bad_signature' });
    const short = { ...headers, 'x-hub-signature-256': 'sha256=abcd' };
    expect(verifyDelivery(spec('github'), input(body, short, creds))).toEqual({ ok: false, reason: 'bad_signature' });
  });
  it('signs the raw bytes, even when they are not valid UTF-8', () => {
    const raw = Buffer.concat([Buffer.from('{"x":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
    const sig = `sha256=${createHmac('sha256', SECRETS.github).update(raw).digest('hex')}`;
    expect(verifyDelivery(spec('github'), input(raw, { 'x-hub-signature-256': sig }, creds))).toEqual({ ok: true });
  });
});

describe('hmac, Slack v0 and HubSpot v3 schemes', () => {
  it('accepts the Slack v0 recipe; refuses replays older than 5 minutes', () => {
    const body = 'token=x&team_id=T1';
    const creds = { signing_secret: SECRETS.slack };
    expect(verifyDelivery(spec('slack'), input(body, sign.slack(body), creds))).toEqual({ ok: true });
    const old = sign.slack(body, Math.floor(Date.now() / 1000) - 600);
    expect(verifyDelivery(spec('slack'), input(body, old, creds))).toEqual({ ok: false, reason: 'stale_timestamp' });
    const { 'x-slack-request-timestamp': _ts, ...noTs } = sign.slack(body);
    expect(verifyDelivery(spec('slack'), input(body, noTs, creds))).toEqual({ ok: false, reason: 'missing_timestamp' });
  });
  it('signs method, full URL, body and the millisecond timestamp for HubSpot', () => {
    const body = JSON.stringify([{ eventId: 1, portalId: 62515 }]);
    const url = 'https://hooks.example.com/v1/webhooks/hubspot?x=1';
    const creds = { client_secret: SECRETS.hubspot };
    expect(verifyDelivery(spec('hubspot'), input(body, sign.hubspot(body, url), creds, { url }))).toEqual({ ok: true });
    expect(verifyDelivery(spec('hubspot'), input(body, sign.hubspot(body, url), creds, { url: `${url}&y=2` }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyDelivery(spec('hubspot'), input(body, sign.hubspot(body, url, Date.now() + 10 * 60_000), creds, { url }))).toEqual({ ok: false, reason: 'future_timestamp' });
  });
});

describe('standard_webhooks', () => {
  const body = JSON.stringify({ id: 'e1', type: 'item.created' });
  const creds = { webhook_secret: SECRETS.hooktest };
  it('accepts the standardwebhooks library signature, also within a list', () => {
    const h = sign.standard(body, 'msg_1');
    expect(verifyDelivery(spec('hooktest'), input(body, h, creds))).toEqual({ ok: true });
    const listed = { ...h, 'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')} v2,xyz ${h['webhook-signature']}` };
    expect(verifyDelivery(spec('hooktest'), input(body, listed, creds))).toEqual({ ok: true });
  });
  it('binds the id and timestamp into the signature', () => {
    const h = sign.standard(body, 'msg_1');
    expect(verifyDelivery(spec('hooktest'), input(body, { ...h, 'webhook-id': 'msg_2' }, creds))).toEqual({ ok: false, reason: 'bad_signature' });
    const ts = String(Number(h['webhook-timestamp']) - 1);
    expect(verifyDelivery(spec('hooktest'), input(body, { ...h, 'webhook-timestamp': ts }, creds))).toEqual({ ok: false, reason: 'bad_signature' });
    const stale = sign.standard(body, 'msg_1', new Date(Date.now() - 6 * 60_000));
    expect(verifyDelivery(spec('hooktest'), input(body, stale, creds))).toEqual({ ok: false, reason: 'stale_timestamp' });
    const { 'webhook-id': _id, ...noId } = h;
    expect(verifyDelivery(spec('hooktest'), input(body, noId, creds))).toEqual({ ok: false, reason: 'missing_signature' });
  });
});

describe('hostile headers', () => {
  it('never throws and never accepts without the right signature', () => {
    const ids = ['stripe', 'github', 'slack', 'hubspot', 'hooktest'];
    const names = ['stripe-signature', 'x-hub-signature-256', 'x-slack-signature', 'x-slack-request-timestamp', 'x-hubspot-signature-v3',
      'x-hubspot-request-timestamp', 'webhook-id', 'webhook-timestamp', 'webhook-signature'];
    const creds = { webhook_secret: SECRETS.stripe, signing_secret: SECRETS.slack, client_secret: SECRETS.hubspot };
    fc.assert(fc.property(
      fc.constantFrom(...ids),
      fc.dictionary(fc.constantFrom(...names), fc.oneof(fc.string(), fc.stringMatching(/^(t=\d{1,12},)?(v1=[0-9a-f]{0,70},?)*$/), fc.stringMatching(/^(v0|sha256)=[0-9a-f]{0,70}$/))),
      fc.uint8Array({ maxLength: 64 }),
      (id, headers, bytes) => {
        const r = verifyDelivery(spec(id), input(Buffer.from(bytes), headers, { ...creds, webhook_secret: id === 'hooktest' ? SECRETS.hooktest : creds.webhook_secret }));
        expect(r.ok).toBe(false);
      },
    ), { numRuns: 300 });
  });
});

describe('hmac options', () => {
  const key = Buffer.from('0123456789abcdef0123456789abcdef');
  const body = '{"n":1}';
  const base = (over: Partial<HmacVerify>): HmacVerify => ({
    type: 'hmac', algorithm: 'sha256', secret: compileTemplate('{{credentials.s}}'), secretEncoding: 'utf8',
    signature: { header: 'x-sig', encoding: 'hex' }, toleranceMs: 300_000, ...over,
  });
  const cases: Array<[string, HmacVerify, string, string]> = [
    ['sha1, hex, utf8 secret', base({ algorithm: 'sha1' }), 'plain-secret', createHmac('sha1', 'plain-secret').update(body).digest('hex')],
    ['sha512, base64 signature', base({ algorithm: 'sha512', signature: { header: 'x-sig', encoding: 'base64' } }), 'plain-secret', createHmac('sha512', 'plain-secret').update(body).digest('base64')],
    ['base64 secret', base({ secretEncoding: 'base64' }), key.toString('base64'), createHmac('sha256', key).update(body).digest('hex')],
    ['whsec secret', base({ secretEncoding: 'whsec' }), `whsec_${key.toString('base64')}`, createHmac('sha256', key).update(body).digest('hex')],
  ];
  for (const [name, spec, secret, sig] of cases) {
    it(name, () => {
      expect(verifyDelivery(spec, input(body, { 'x-sig': sig }, { s: secret }))).toEqual({ ok: true });
      expect(verifyDelivery(spec, input(body, { 'x-sig': sig.slice(0, -2) + (sig.endsWith('00') ? '11' : '00') }, { s: secret }))).toEqual({ ok: false, reason: 'bad_signature' });
    });
  }
  it('signs a template over timestamp, method, url and headers, with the timestamp in milliseconds', () => {
    const now = Date.now();
    const spec = base({
      timestamp: { header: 'x-ts', unit: 'ms', toleranceMs: 1000 },
      signed: compileTemplate('{{method}} {{url}} {{timestamp}} {{headers.[x-extra]}} {{raw_body}}'),
    });
    const url = 'https://hooks.example.com/a?b=1';
    const sig = createHmac('sha256', 's').update(`POST ${url} ${now} extra-value ${body}`).digest('hex');
    const headers = { 'x-sig': sig, 'x-ts': String(now), 'x-extra': 'extra-value' };
    expect(verifyDelivery(spec, input(body, headers, { s: 's' }, { url, now }))).toEqual({ ok: true });
    expect(verifyDelivery(spec, input(body, { ...headers, 'x-extra': 'other' }, { s: 's' }, { url, now }))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyDelivery(spec, input(body, headers, { s: 's' }, { url, now: now + 1001 }))).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verifyDelivery(spec, input(body, { ...headers, 'x-ts': 'soon' }, { s: 's' }, { url, now }))).toEqual({ ok: false, reason: 'missing_timestamp' });
  });
  it('none accepts anything', () => {
    expect(verifyDelivery({ type: 'none', secretEncoding: 'utf8', toleranceMs: 0 }, input(body, {}, {}))).toEqual({ ok: true });
  });
});

/**
 * Issue 10, item 8: the caller's `Idempotency-Key` on action calls, against a local
 * Stripe-shaped provider that counts what it receives. Two calls with the same key used to
 * create two customers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeStripe, type FakeStripe } from '../runtime/fake-stripe.js';
import { connectStripe, startRuntime, waitFor, type TestRuntime } from '../runtime/helpers.js';

let rt: TestRuntime;
let stripe: FakeStripe;
let key: string;
let conn: any;
let seq = 0;

const creates = () => stripe.seen.filter((r) => r.method === 'POST' && r.path === '/v1/customers');
const newKey = () => `key-${process.pid}-${++seq}`;
const create = (idem: string | undefined, body: Record<string, unknown>, c = conn, k = key) =>
  rt.call('POST', `/v1/connections/${c.id}/actions/create_customer`, { key: k, body, headers: idem === undefined ? {} : { 'idempotency-key': idem } });

beforeAll(async () => {
  stripe = await startFakeStripe();
  rt = await startRuntime({ rateLimit: false });
  key = await rt.keyFor('acme');
  conn = await connectStripe(rt, 'acme', stripe.url);
});
afterAll(async () => {
  await rt?.close();
  await stripe?.close();
});

describe('Idempotency-Key on POST /v1/connections/:id/actions/:action', () => {
  it('without a key every call reaches the provider (two customers)', async () => {
    const before = creates().length;
    const a = await create(undefined, { email: 'a@example.com' });
    const b = await create(undefined, { email: 'a@example.com' });
    expect(a.body.output.id).not.toBe(b.body.output.id);
    expect(creates().length).toBe(before + 2);
    expect(a.headers.get('idempotent-replayed')).toBeNull();
  });

  it('the same key and body answer the stored reply without calling the provider again, and the key is passed on', async () => {
    const k = newKey();
    const before = creates().length;
    const first = await create(k, { email: 'once@example.com', name: 'Once' });
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await create(k, { name: 'Once', email: 'once@example.com' });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const sent = creates().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0].idempotencyKey).toBe(k);
  });

  it('the same key with another body or another action is 422 idempotency_key_reused', async () => {
    const k = newKey();
    expect((await create(k, { email: 'one@example.com' })).status).toBe(200);
    const before = stripe.seen.length;
    const other = await create(k, { email: 'two@example.com' });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ code: 'idempotency_key_reused', errors: [{ path: 'header.idempotency-key' }] });
    const otherAction = await rt.call('POST', `/v1/connections/${conn.id}/actions/get_customer`, { key, body: { id: 'cus_0001' }, headers: { 'idempotency-key': k } });
    expect(otherAction.status).toBe(422);
    expect(otherAction.body.code).toBe('idempotency_key_reused');
    expect(stripe.seen.length).toBe(before);
  });

  it('a second request while the first is in flight is 409 idempotency_key_in_use; afterwards it replays', async () => {
    const k = newKey();
    stripe.delays.set('/v1/customers', 600);
    try {
      const before = creates().length;
      const first = create(k, { email: 'slow@example.com' });
      await waitFor(async () => (creates().length > before ? true : undefined), 'the first request to reach the provider');
      const second = await create(k, { email: 'slow@example.com' });
      expect(second.status).toBe(409);
      expect(second.body.code).toBe('idempotency_key_in_use');
      expect(second.headers.get('retry-after')).toBe('1');
      const done = await first;
      expect(done.status).toBe(200);
      const third = await create(k, { email: 'slow@example.com' });
      expect(third.headers.get('idempotent-replayed')).toBe('true');
      expect(third.body).toEqual(done.body);
      expect(creates().length).toBe(before + 1);
    } finally {
      stripe.delays.delete('/v1/customers');
    }
  });

  it('keys are scoped per tenant and connection', async () => {
    const k = newKey();
    const before = creates().length;
    await create(k, { email: 'scope@example.com' });
    const second = await connectStripe(rt, 'acme', stripe.url, 'sk_test_good123', 'second');
    const onOther = await create(k, { email: 'scope@example.com' }, second);
    expect(onOther.headers.get('idempotent-replayed')).toBeNull();
    const globexKey = await rt.keyFor('globex');
    const globex = await connectStripe(rt, 'globex', stripe.url);
    const otherTenant = await create(k, { email: 'scope@example.com' }, globex, globexKey);
    expect(otherTenant.status).toBe(200);
    expect(otherTenant.headers.get('idempotent-replayed')).toBeNull();
    expect(creates().length).toBe(before + 3);
  });

  it("the provider's 4xx refusal is stored and replayed; its 5xx is not, so a retry runs again", async () => {
    const refused = newKey();
    stripe.override.set('/v1/customers', { status: 400, body: { error: { type: 'invalid_request_error', code: 'email_invalid', message: 'Invalid email address: x' } } });
    try {
      const before = creates().length;
      const first = await create(refused, { email: 'x@example.com' });
      expect(first.status).toBe(422);
      expect(first.body).toMatchObject({ code: 'provider_rejected', provider_code: 'email_invalid', provider_status: 400 });
      const again = await create(refused, { email: 'x@example.com' });
      expect(again.status).toBe(422);
      expect(again.headers.get('content-type')).toContain('application/problem+json');
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      const { request_id: _a, ...firstBody } = first.body;
      const { request_id: _b, ...againBody } = again.body;
      expect(againBody).toEqual(firstBody);
      expect(creates().length).toBe(before + 1);

      const failing = newKey();
      stripe.override.set('/v1/customers', { status: 500, body: { error: { type: 'api_error', message: 'boom' } }, headers: { 'stripe-should-retry': 'false' } });
      const broken = await create(failing, { email: 'y@example.com' });
      expect(broken.status).toBe(502);
      stripe.override.delete('/v1/customers');
      const retried = await create(failing, { email: 'y@example.com' });
      expect(retried.status).toBe(200);
      expect(retried.headers.get('idempotent-replayed')).toBeNull();
      expect(creates().length).toBe(before + 3);
    } finally {
      stripe.override.delete('/v1/customers');
    }
  });

  it('our own input validation failure is not stored (nothing ran)', async () => {
    const k = newKey();
    const bad = await create(k, { email: 'not an email' });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('validation_failed');
    const fixed = await create(k, { email: 'fixed@example.com' });
    expect(fixed.status).toBe(200);
  });

  it('refuses keys that are not 1 to 255 printable ASCII characters', async () => {
    const before = stripe.seen.length;
    for (const bad of ['x'.repeat(256), 'with space']) {
      const res = await create(bad, { email: 'k@example.com' });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'invalid_idempotency_key', errors: [{ path: 'header.idempotency-key' }] });
    }
    expect(stripe.seen.length).toBe(before);
  });

  it('keys expire after 24 hours: purged on the next write, and the key then runs again', async () => {
    const k = newKey();
    await create(k, { email: 'old@example.com' });
    const db = rt.running.platform.store.unscoped('test: age an idempotency key');
    const day = 24 * 3_600_000;
    const row = await db.from('idempotency_keys').where({ key: k }).first();
    expect(Number(row.expires_at) - Number(row.created_at)).toBe(day);
    await db.from('idempotency_keys').where({ key: k }).update({ expires_at: Date.now() - 1 });
    const staleCount = (await db.from('idempotency_keys').where('expires_at', '<=', Date.now())).length;
    expect(staleCount).toBe(1);
    await create(newKey(), { email: 'trigger@example.com' });
    expect(await db.from('idempotency_keys').where({ key: k }).first()).toBeUndefined();
    const before = creates().length;
    const again = await create(k, { email: 'old@example.com' });
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(creates().length).toBe(before + 1);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { isConnectorError } from '../../engine/core/errors.js';
import { databaseKinds, type TestDatabase } from '../store/databases.js';
import { event, openDeliveries, startReceiver, until, vault, type Receiver } from './helpers.js';

async function rejection(p: Promise<unknown>): Promise<{ kind: string; message: string; details?: unknown }> {
  try {
    await p;
  } catch (err) {
    if (isConnectorError(err)) return { kind: err.kind, message: err.message, details: err.details };
    throw err;
  }
  throw new Error('expected a rejection');
}

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`outbound deliveries on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let receiver: Receiver;
    let env: Awaited<ReturnType<typeof openDeliveries>>;

    // A fresh database per test: rows one test leaves pending must not be sent in the next.
    beforeEach(async () => {
      db = await kind.create('deliveries');
      receiver = await startReceiver();
      env = await openDeliveries(db.url, { schedule: [40, 80], timeoutMs: 300 });
    });
    afterEach(async () => {
      await env?.close();
      await receiver?.close();
      await db?.cleanup();
    });

    it('returns the signing secret once, stores it sealed, and delivers matching events signed per Standard Webhooks', async () => {
      const sub = await env.deliveries.createSubscription('acme', { url: receiver.url, events: ['ticket.*'], description: 'ops' });
      expect(sub.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
      const listed = await env.deliveries.listSubscriptions('acme');
      expect(listed.items.find((s) => s.id === sub.id)).toEqual({ id: sub.id, tenant: 'acme', url: receiver.url, events: ['ticket.*'], description: 'ops', status: 'active', createdAt: sub.createdAt, updatedAt: sub.updatedAt });
      expect(JSON.stringify(await env.deliveries.getSubscription('acme', sub.id))).not.toContain(sub.secret.slice(6));
      const row = await env.store.knex('subscriptions').where('id', sub.id).first();
      expect(row.secret).toMatch(/^pbv1\./);
      expect(row.secret).not.toContain(sub.secret.slice(6));

      const ev = event({ type: 'ticket.created' });
      expect(await env.deliveries.enqueue(ev)).toBe(1);
      expect(await env.deliveries.enqueue(event({ type: 'invoice.paid' }))).toBe(0);
      expect(await env.deliveries.enqueue(event({ tenant: 'globex' }))).toBe(0);
      expect(await env.deliveries.runOnce()).toBe(1);

      expect(receiver.received).toHaveLength(1);
      const got = receiver.received[0];
      const verified = new Webhook(sub.secret).verify(got.body, got.headers as Record<string, string>);
      expect(verified).toEqual({ id: ev.id, type: 'ticket.created', timestamp: ev.occurred_at, connector: 'helpdesk', connection: 'conn_1', data: ev.data });
      expect(got.headers['webhook-id']).toBe(ev.id);
      expect(got.headers['content-type']).toBe('application/json');
      // A changed byte or another subscription's secret fails verification.
      expect(() => new Webhook(sub.secret).verify(got.body.replace('Printer', 'Printes'), got.headers as Record<string, string>)).toThrow();
      const other = await env.deliveries.createSubscription('acme', { url: receiver.url, events: ['nothing'] });
      expect(() => new Webhook(other.secret).verify(got.body, got.headers as Record<string, string>)).toThrow();

      const page = await env.deliveries.listDeliveries('acme', sub.id);
      expect(page.items).toHaveLength(1);
      expect(page.items[0]).toMatchObject({ eventId: ev.id, eventType: 'ticket.created', status: 'delivered', attempts: 1, lastStatus: 204 });
      expect(page.items[0].attemptLog).toEqual([{ attempt: 1, statusCode: 204, startedAt: expect.any(String), durationMs: expect.any(Number) }]);
    });

    it('queues an event once per subscription however often it is published', async () => {
      const sub = await env.deliveries.createSubscription('acme', { url: receiver.url, events: ['*'] });
      const ev = event();
      await env.deliveries.publish(ev);
      await env.deliveries.publish(ev);
      expect(await env.deliveries.enqueue(ev)).toBe(0);
      expect((await rejection(env.deliveries.enqueue(event({ id: 'x'.repeat(65) })))).kind).toBe('validation');
      await env.deliveries.runOnce();
      expect(receiver.received.filter((r) => r.headers['webhook-id'] === ev.id)).toHaveLength(1);
      expect((await env.deliveries.listDeliveries('acme', sub.id)).items.filter((d) => d.eventId === ev.id)).toHaveLength(1);
    });

    it('only delivers a connection-bound subscription its connection\'s events', async () => {
      await env.store.knex('connections').insert({
        id: 'conn_bound', tenant: 'acme', connector: 'helpdesk', name: `bound-${Date.now()}`, config: '{}', credentials: vault.seal('{}'), credential_fields: '[]', settings: '{}', status: 'active', created_at: 1, updated_at: 1,
      }).onConflict('id').ignore();
      const sub = await env.deliveries.createSubscription('acme', { url: receiver.url, events: ['*'], connection: 'conn_bound' });
      expect(sub.connection).toBe('conn_bound');
      const mine = event({ connection: 'conn_bound' });
      await env.deliveries.publish(mine);
      await env.deliveries.publish(event({ connection: 'conn_other' }));
      expect((await env.deliveries.listDeliveries('acme', sub.id)).items.map((d) => d.eventId)).toEqual([mine.id]);
      expect(await rejection(env.deliveries.createSubscription('acme', { url: receiver.url, events: ['*'], connection: 'conn_missing' }))).toMatchObject({ kind: 'validation' });
    });

    it('retries a failing receiver on the schedule, dead-letters it with every attempt recorded, and redelivers on request', async () => {
      let calls = 0;
      receiver.respond = (_req, res) => {
        calls++;
        res.statusCode = 500;
        res.end(`boom ${calls} ${'x'.repeat(2000)}`);
      };
      const sub = await env.deliveries.createSubscription('acme', { url: receiver.url, events: ['ticket.created'] });
      const ev = event();
      await env.deliveries.publish(ev);
      env.deliveries.start();
      const dead = (await until(async () => (await env.deliveries.listDeliveries('acme', sub.id)).items.find((d) => d.status === 'dead')))!;
      expect(calls).toBe(3);
      expect(dead.attempts).toBe(3);
      expect(dead.lastStatus).toBe(500);
      expect(dead.attemptLog!.map((a) => [a.attempt, a.statusCode, a.error])).toEqual([[1, 500, 'HTTP 500'], [2, 500, 'HTTP 500'], [3, 500, 'HTTP 500']]);
      expect(dead.attemptLog![1].response).toMatch(/^boom 2 x+$/);
      expect(dead.attemptLog![1].response!.length).toBeLessThanOrEqual(512);
      // The waits followed the schedule (40 ms, then 80 ms), not a tight loop.
      const times = receiver.received.map((r) => r.at);
      expect(times[1] - times[0]).toBeGreaterThanOrEqual(35);
      expect(times[2] - times[1]).toBeGreaterThanOrEqual(75);
      await new Promise((r) => setTimeout(r, 200));
      expect(calls).toBe(3);

      receiver.respond = (_req, res) => {
        calls++;
        res.statusCode = 200;
        res.end('ok');
      };
      const again = await env.deliveries.redeliver('acme', dead.id);
      expect(again.status).toBe('pending');
      const delivered = await until(async () => {
        const d = await env.deliveries.getDelivery('acme', dead.id);
        return d.status === 'delivered' ? d : undefined;
      });
      expect(delivered.attempts).toBe(4);
      expect(delivered.attemptLog!.at(-1)).toMatchObject({ attempt: 4, statusCode: 200, response: 'ok' });
      expect(delivered.payload).toMatchObject({ id: ev.id, type: 'ticket.created' });
      // Every attempt carried the same event id and body, so the receiver can deduplicate.
      expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([ev.id]));
      expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    });

    it('records timeouts and refused connections as failed attempts', async () => {
      receiver.respond = () => undefined; // never answers
      const slow = await env.deliveries.createSubscription('acme', { url: receiver.url, events: ['slow.*'] });
      await env.deliveries.publish(event({ type: 'slow.one' }));
      await env.deliveries.runOnce();
      const [timedOut] = (await env.deliveries.listDeliveries('acme', slow.id)).items;
      expect(timedOut).toMatchObject({ status: 'pending', attempts: 1, lastError: 'no response within 300 ms' });
      expect(timedOut.attemptLog![0].durationMs).toBeGreaterThanOrEqual(290);

      const closed = await startReceiver();
      await closed.close();
      const gone = await env.deliveries.createSubscription('acme', { url: closed.url, events: ['gone.*'] });
      await env.deliveries.publish(event({ type: 'gone.one' }));
      await env.deliveries.runOnce();
      const [refused] = (await env.deliveries.listDeliveries('acme', gone.id)).items;
      expect(refused.lastError).toBe('ECONNREFUSED (connect)');
      expect(refused.lastStatus).toBeUndefined();
    });

    it('refuses private and malformed URLs at creation, and private addresses again at delivery time', async () => {
      const strict = await openDeliveries(db.url, { outbound: { allowPrivate: false } });
      try {
        for (const url of ['http://127.0.0.1:9/x', 'http://localhost:9/x', 'http://[::1]:9/', 'http://10.1.2.3/', 'http://169.254.169.254/latest']) {
          const r = await rejection(strict.deliveries.createSubscription('acme', { url, events: ['*'] }));
          expect(r.kind, url).toBe('validation');
          expect(r.message, url).toMatch(/outbound connection refused/);
        }
        for (const url of ['ftp://example.com/x', 'not a url', 'https://example.com/#frag', '']) {
          expect((await rejection(strict.deliveries.createSubscription('acme', { url, events: ['*'] }))).kind, url).toBe('validation');
        }
        for (const events of [[], ['bad pattern'], 'ticket.*', [42]]) {
          expect((await rejection(strict.deliveries.createSubscription('acme', { url: 'https://example.com/', events: events as string[] }))).kind).toBe('validation');
        }

        // Allowed when created (the operator allowed private networks then), refused when sent now.
        const sub = await env.deliveries.createSubscription('acme', { url: receiver.url, events: ['guarded.*'] });
        await strict.deliveries.publish(event({ type: 'guarded.one' }));
        expect(await strict.deliveries.runOnce()).toBe(1);
        expect(receiver.received).toHaveLength(0);
        const [d] = (await strict.deliveries.listDeliveries('acme', sub.id)).items;
        expect(d.lastError).toMatch(/^outbound connection refused: address 127\.0\.0\.1 is loopback/);
        expect(d.status).toBe('pending');
      } finally {
        await strict.close();
      }
    });

    it('sends each due delivery from exactly one of several workers sharing the database', async () => {
      const sub = await env.deliveries.createSubscription('acme', { url: receiver.url, events: ['fan.*'] });
      const events = Array.from({ length: 30 }, (_, i) => event({ type: `fan.${i}` }));
      for (const e of events) await env.deliveries.publish(e);
      const others = await Promise.all([openDeliveries(db.url, { concurrency: 3 }), openDeliveries(db.url, { concurrency: 3 })]);
      try {
        for (const o of others) o.deliveries.start();
        env.deliveries.start();
        await until(async () => (await env.deliveries.listDeliveries('acme', sub.id, { status: 'delivered', limit: 100 })).items.length === 30, 10_000);
      } finally {
        await Promise.all(others.map((o) => o.close()));
      }
      const ids = receiver.received.map((r) => r.headers['webhook-id']);
      expect(ids.length).toBe(30);
      expect(new Set(ids)).toEqual(new Set(events.map((e) => e.id)));
    });

    it('takes over a delivery whose worker died holding it once the lease expires', async () => {
      const sub = await env.deliveries.createSubscription('acme', { url: receiver.url, events: ['orphan'] });
      await env.deliveries.publish(event({ type: 'orphan' }));
      const [row] = await env.store.knex('deliveries').where('subscription_id', sub.id);
      await env.store.knex('deliveries').where('id', row.id).update({ lease_owner: 'dead-process', lease_until: Date.now() + 60_000 });
      expect(await env.deliveries.runOnce()).toBe(0);
      // The lease runs out (moved into the past rather than waited for, so a slow machine cannot blur it).
      await env.store.knex('deliveries').where('id', row.id).update({ lease_until: Date.now() - 1 });
      expect(await env.deliveries.runOnce()).toBe(1);
      expect(receiver.received).toHaveLength(1);
    });

    it('keeps tenants apart, pages deliveries, and deletes a subscription with its deliveries', async () => {
      const sub = await env.deliveries.createSubscription('acme', { url: receiver.url, events: ['page.*'] });
      for (let i = 0; i < 5; i++) await env.deliveries.publish(event({ type: `page.${i}` }));
      const first = await env.deliveries.listDeliveries('acme', sub.id, { limit: 2 });
      const second = await env.deliveries.listDeliveries('acme', sub.id, { limit: 2, cursor: first.nextCursor });
      const third = await env.deliveries.listDeliveries('acme', sub.id, { limit: 2, cursor: second.nextCursor });
      expect(third.nextCursor).toBeNull();
      const all = [...first.items, ...second.items, ...third.items];
      expect(new Set(all.map((d) => d.eventType))).toEqual(new Set(['page.0', 'page.1', 'page.2', 'page.3', 'page.4']));
      expect((await rejection(env.deliveries.listDeliveries('acme', sub.id, { cursor: 'garbage' }))).kind).toBe('validation');

      expect((await rejection(env.deliveries.getSubscription('globex', sub.id))).kind).toBe('not_found');
      expect((await rejection(env.deliveries.listDeliveries('globex', sub.id))).kind).toBe('not_found');
      expect((await rejection(env.deliveries.getDelivery('globex', all[0].id))).kind).toBe('not_found');
      expect((await rejection(env.deliveries.redeliver('globex', all[0].id))).kind).toBe('not_found');
      expect((await rejection(env.deliveries.deleteSubscription('globex', sub.id))).kind).toBe('not_found');

      await env.deliveries.deleteSubscription('acme', sub.id);
      expect((await rejection(env.deliveries.getSubscription('acme', sub.id))).kind).toBe('not_found');
      expect(await env.store.knex('deliveries').where('subscription_id', sub.id)).toEqual([]);
      expect(await env.deliveries.runOnce()).toBe(0);
      expect(receiver.received).toHaveLength(0);
    });

    it('sleeps rather than polling the database while an attempt is in flight', async () => {
      const quiet = await openDeliveries(db.url, { pollMs: 60_000, timeoutMs: 3000 });
      try {
        let answered = false;
        receiver.respond = (_req, res) => setTimeout(() => { answered = true; res.end('slow ok'); }, 600);
        const sub = await quiet.deliveries.createSubscription('acme', { url: receiver.url, events: ['slow.*'] });
        await quiet.deliveries.publish(event({ type: 'slow.one' }));
        let queries = 0;
        quiet.store.knex.on('query', () => queries++);
        quiet.deliveries.start();
        // Counted while the attempt is in flight (from the request's arrival to the answer), so
        // a busy machine changes how long that is but not what is counted; the probes read
        // the receiver, not the database.
        await until(() => receiver.received.length === 1, 5000);
        const before = queries;
        await until(() => answered, 5000);
        const inFlight = queries - before;
        expect(inFlight).toBeLessThan(15);
        await until(async () => (await quiet.deliveries.listDeliveries('acme', sub.id)).items[0].status === 'delivered', 5000);
        const counted = before + inFlight;
        // claim, fetch, finish and the wake-ups around them; a loop spinning for 600 ms would make hundreds.
        expect(counted).toBeLessThan(25);
      } finally {
        await quiet.close();
      }
    });

    it('wakes the running worker at once when an event is queued', async () => {
      const quiet = await openDeliveries(db.url, { pollMs: 60_000 });
      try {
        const sub = await quiet.deliveries.createSubscription('acme', { url: receiver.url, events: ['wake.*'] });
        quiet.deliveries.start();
        await new Promise((r) => setTimeout(r, 50));
        const sent = Date.now();
        await quiet.deliveries.publish(event({ type: 'wake.up' }));
        await until(() => receiver.received.length === 1, 2000);
        expect(receiver.received[0].at - sent).toBeLessThan(1000);
        expect(sub.id).toMatch(/^sub_/);
      } finally {
        await quiet.close();
      }
    });
  });
}

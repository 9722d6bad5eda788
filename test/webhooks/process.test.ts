/**
 * Processing stored events: routes write records through the stream's mapping, delete them,
 * start syncs and emit normalized events; failures are retried with backoff and then marked
 * failed; replay runs an event again; claims are leases, so a crashed worker's events come
 * back and two workers never process the same event.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Platform } from '../../engine/platform/platform.js';
import { WebhookEventsRepo } from '../../engine/platform/store/webhook-events.js';
import { createWebhooks, type WebhooksService } from '../../engine/platform/webhooks/service.js';
import type { NormalizedEvent } from '../../engine/platform/webhooks/types.js';
import { databaseKinds, type TestDatabase } from '../store/databases.js';
import { startFakeProvider, type FakeProvider } from './fake-provider.js';
import { connectAll, eventually, json, openPlatform, request, sign } from './helpers.js';

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`webhook processing on ${kind.dialect}`, () => {
    let db: TestDatabase;
    let platform: Platform;
    let hooks: WebhooksService;
    let provider: FakeProvider;
    let conns: Awaited<ReturnType<typeof connectAll>>;
    let clock = Date.now();
    let emitted: NormalizedEvent[] = [];
    const tenant = 'acme';

    beforeAll(async () => {
      db = await kind.create('wh-process');
      provider = await startFakeProvider();
      platform = await openPlatform(db.url, { now: () => clock });
      hooks = createWebhooks({ platform, worker: { maxAttempts: 3, retryBaseMs: 1000, random: () => 0, pollMs: 25 } });
      hooks.on('event', (e) => {
        emitted.push(e);
      });
      conns = await connectAll(platform, tenant, provider.url);
    });
    afterAll(async () => {
      await hooks?.close();
      await platform?.close();
      await provider?.close();
      await db?.cleanup();
    });
    beforeEach(() => {
      emitted = [];
    });

    /** The stored event of a provider event id (the clock stands still, so times do not order them). */
    const stored = async (providerEventId: string) => {
      const row = await platform.store.knex('webhook_events').where({ provider_event_id: providerEventId }).first();
      return (await hooks.get(row.id))!;
    };

    async function github(event: string, delivery: string, body: Record<string, unknown>) {
      const payload = JSON.stringify(body);
      const res = await hooks.receive(request('github', conns.github.id, payload, await sign.github(payload, event, delivery)));
      expect(res.status).toBe(200);
    }

    async function hooktest(body: Record<string, unknown>, msgId = `msg_${Math.random()}`) {
      const payload = JSON.stringify(body);
      const res = await hooks.receive(request('hooktest', undefined, payload, sign.standard(payload, msgId, new Date(clock))));
      expect(res.status).toBe(200);
      return json(res);
    }

    const issue = (title: string, state = 'open') => ({
      id: 11, number: 1, title, body: 'It breaks', state, user: { id: 5, login: 'octocat' }, labels: [{ name: 'bug' }],
      html_url: 'https://github.com/octo/hello/issues/1', created_at: '2024-01-01T00:00:00Z', updated_at: '2024-01-02T00:00:00Z',
    });

    it('upserts GitHub issues through the stream mapping, soft-deletes them, and emits ticket events', async () => {
      await github('issues', 'gh-p-1', { action: 'opened', issue: issue('Bug'), repository: { full_name: 'octo/hello' }, sender: { login: 'octocat' } });
      expect(await hooks.drain()).toBe(1);
      const opened = await stored('gh-p-1');
      expect(opened).toMatchObject({ status: 'processed', attempts: 1 });
      expect(opened.processedAt).toBeDefined();
      const rec = await platform.records.get(conns.github.id, 'issues', '11');
      expect(rec).toMatchObject({ model: 'ticket', data: { id: '11', title: 'Bug', status: 'open', labels: ['bug'], author_login: 'octocat', is_pull_request: false } });
      expect(emitted).toEqual([{
        id: `${opened.id}.2`, type: 'ticket.created', connector: 'github', connection: conns.github.id, tenant,
        // The unified ticket, exactly as stored, with GitHub's issue beside it.
        model: 'ticket', data: rec!.data, raw: issue('Bug'),
        occurred_at: new Date(clock).toISOString(),
      }]);

      emitted = [];
      await github('issues', 'gh-p-2', { action: 'edited', issue: issue('Bug, renamed'), repository: { full_name: 'octo/hello' }, sender: { login: 'octocat' } });
      await github('issues', 'gh-p-3', { action: 'deleted', issue: issue('Bug, renamed'), repository: { full_name: 'octo/hello' }, sender: { login: 'octocat' } });
      expect(await hooks.drain()).toBe(2);
      const after = await platform.records.get(conns.github.id, 'issues', '11');
      expect(after?.data).toMatchObject({ title: 'Bug, renamed' });
      expect(after?.deletedAt).toBeDefined();
      expect(emitted.map((e) => [e.type, e.data])).toEqual([['ticket.updated', after!.data], ['ticket.deleted', { id: '11' }]]);
      const changes = await platform.records.changes(conns.github.id, 'issues');
      expect(changes.items.map((c) => c.action)).toEqual(['deleted']);
    });

    it('upserts Stripe customers and honours a route `when`', async () => {
      const customer = JSON.stringify({ id: 'evt_p_1', type: 'customer.created', data: { object: { id: 'cus_9', object: 'customer', email: 'a@b.c', name: 'Ann', created: 1700000000, livemode: false } } });
      const dispute = JSON.stringify({ id: 'evt_p_2', type: 'charge.dispute.created', data: { object: { id: 'dp_1', object: 'dispute' } } });
      const t = Math.floor(clock / 1000);
      expect((await hooks.receive(request('stripe', conns.stripe.id, customer, sign.stripe(customer, t)))).status).toBe(200);
      expect((await hooks.receive(request('stripe', conns.stripe.id, dispute, sign.stripe(dispute, t)))).status).toBe(200);
      expect(await hooks.drain()).toBe(2);
      expect(await platform.records.get(conns.stripe.id, 'customers', 'cus_9')).toMatchObject({ model: 'contact', data: { id: 'cus_9', email: 'a@b.c', name: 'Ann' } });
      expect(await platform.records.count(conns.stripe.id, 'charges')).toBe(0);
      expect(emitted.map((e) => e.type)).toEqual(['contact.created']);
      expect((await hooks.list({ tenant, connection: conns.stripe.id, status: 'processed' })).items).toHaveLength(2);
    });

    it('processes each event of a batch delivered to the connector-level URL', async () => {
      const res = await hooktest({ type: 'batch', account: 'acc-1', events: [
        { id: 'b-1', type: 'item.created', data: { id: 1, name: 'one', updated_at: '2024-01-01' } },
        { id: 'b-2', type: 'item.created', data: { id: 2, name: 'two', updated_at: '2024-01-01' } },
        { id: 'b-3', type: 'item.deleted', data: { id: 1 } },
      ] });
      expect(res).toEqual({ ok: true, received: 3, duplicates: 0 });
      // Processing order is not promised; deletion of a record not yet written is a no-op, so go one by one.
      expect(await hooks.drain()).toBe(3);
      expect(await platform.records.get(conns.hooktest.id, 'items', '2')).toMatchObject({ data: { id: '2', title: 'two' } });
      expect(emitted.filter((e) => e.type === 'thing.changed').map((e) => e.data).sort((a: any, b: any) => a.id.localeCompare(b.id))).toEqual([{ id: '1', title: 'one' }, { id: '2', title: 'two' }]);
      expect(emitted.filter((e) => e.type === 'thing.deleted').map((e) => e.data)).toEqual([{ id: 'b-3', type: 'item.deleted', data: { id: 1 } }]);
    });

    it('starts a sync of the stream with trigger webhook', async () => {
      provider.items = [{ id: 7, name: 'seven', updated_at: '2024-02-01T00:00:00Z' }, { id: 8, name: 'eight', updated_at: '2024-02-02T00:00:00Z' }];
      await hooktest({ id: 'r-1', type: 'items.refresh', account: 'acc-1' });
      expect(await hooks.drain()).toBe(1);
      expect(await stored('r-1')).toMatchObject({ status: 'processed' });
      const [run] = (await platform.runs.list({ connection: conns.hooktest.id })).items;
      expect(run).toMatchObject({ trigger: 'webhook', status: 'success', stream: 'items', records: { read: 2, written: 2 } });
      expect(await platform.records.get(conns.hooktest.id, 'items', '8')).toMatchObject({ data: { title: 'eight' } });
    });

    it('retries a failing route with exponential backoff, then marks it failed; replay runs it again', async () => {
      const records = await platform.records.count(conns.hooktest.id, 'items', { includeDeleted: true });
      await hooktest({ id: 'boom-1', type: 'boom', account: 'acc-1' });
      const id = (await stored('boom-1')).id;
      expect(await hooks.drain()).toBe(1);
      let e = (await hooks.get(id))!;
      expect(e).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: new Date(clock + 500).toISOString() });
      expect(e.error).toContain('the route blew up');
      expect(await hooks.drain()).toBe(0); // not due yet
      clock += 500;
      expect(await hooks.drain()).toBe(1);
      e = (await hooks.get(id))!;
      expect(e).toMatchObject({ status: 'pending', attempts: 2, nextAttemptAt: new Date(clock + 1000).toISOString() });
      clock += 1000;
      expect(await hooks.drain()).toBe(1);
      e = (await hooks.get(id))!;
      expect(e).toMatchObject({ status: 'failed', attempts: 3 });
      expect(e.error).toContain('the route blew up');
      clock += 60_000;
      expect(await hooks.drain()).toBe(0);
      expect(await platform.records.count(conns.hooktest.id, 'items', { includeDeleted: true })).toBe(records);

      // A replay gets a fresh budget: still failing, so it is pending again.
      const replayed = await hooks.replay(id);
      expect(replayed).toMatchObject({ status: 'pending', attempts: 1 });
      clock += 500;
      expect(await hooks.drain()).toBe(1);
      clock += 1000;
      expect(await hooks.drain()).toBe(1);
      expect(await hooks.get(id)).toMatchObject({ status: 'failed', attempts: 3 });
    });

    it('holds the events of a connection waiting for a set-up choice, and runs them once it is chosen', async () => {
      provider.items = [{ id: 31, name: 'thirty-one', updated_at: '2024-02-10T00:00:00Z' }];
      const seenBefore = provider.requests.length;
      await platform.store.knex('connections').where({ id: conns.hooktest.id }).update({ status: 'needs_choice' });
      try {
        await hooktest({ id: 'r-choice', type: 'items.refresh', account: 'acc-1' });
        const id = (await stored('r-choice')).id;
        expect(await hooks.drain()).toBe(1);
        const held = (await hooks.get(id))!;
        expect(held).toMatchObject({ status: 'pending', attempts: 1 });
        expect(held.error).toContain('waits for a choice of its set-up');
        // Nothing was asked of the provider for an account nobody picked.
        expect(provider.requests.length).toBe(seenBefore);
      } finally {
        await platform.store.knex('connections').where({ id: conns.hooktest.id }).update({ status: 'active' });
      }
      clock += 500;
      expect(await hooks.drain()).toBe(1);
      expect(await stored('r-choice')).toMatchObject({ status: 'processed', attempts: 2 });
      expect(await platform.records.get(conns.hooktest.id, 'items', '31')).toBeDefined();
    });

    it('replays a failed event once its cause is fixed', async () => {
      provider.failItems = 500;
      await hooktest({ id: 'r-fix', type: 'items.refresh', account: 'acc-1' });
      const id = (await stored('r-fix')).id;
      await hooks.drain();
      const failed = (await hooks.get(id))!;
      expect(failed.status).toBe('pending');
      expect(failed.error).toMatch(/sync run_\S+ of items failed/);
      provider.failItems = undefined;
      provider.items.push({ id: 9, name: 'nine', updated_at: '2024-03-01T00:00:00Z' });
      expect(await hooks.replay(id)).toMatchObject({ status: 'processed', attempts: 1 });
      expect(await platform.records.get(conns.hooktest.id, 'items', '9')).toBeDefined();
    });

    it('replays a processed event, emitting the same normalized ids again', async () => {
      await hooktest({ id: 'rep-1', type: 'item.updated', account: 'acc-1', data: { id: 2, name: 'two again', updated_at: '2024-01-03' } });
      await hooks.drain();
      const id = (await stored('rep-1')).id;
      const first = emitted.map((e) => e.id);
      expect(first).toEqual([`${id}.2`]);
      expect(await hooks.replay(id)).toMatchObject({ status: 'processed' });
      expect(emitted.map((e) => e.id)).toEqual([...first, ...first]);
      await expect(hooks.replay('whe_nope')).rejects.toMatchObject({ kind: 'not_found' });
    });

    it('publishes emitted events to the outbound publisher, retrying the event when that fails', async () => {
      const published: NormalizedEvent[] = [];
      let down = true;
      hooks.setPublisher({
        publish: async (e) => {
          if (down) throw new Error('deliveries store is down');
          published.push(e);
        },
      });
      try {
        await hooktest({ id: 'pub-1', type: 'item.created', account: 'acc-1', data: { id: 50, name: 'pub', updated_at: '2024-01-01' } });
        expect(await hooks.drain()).toBe(1);
        const first = await stored('pub-1');
        expect(first).toMatchObject({ status: 'pending', attempts: 1 });
        expect(first.error).toContain('deliveries store is down');
        down = false;
        clock += 500;
        expect(await hooks.drain()).toBe(1);
        expect(await stored('pub-1')).toMatchObject({ status: 'processed', attempts: 2 });
        expect(published).toEqual([expect.objectContaining({ id: `${first.id}.2`, type: 'thing.changed', data: { id: '50', title: 'pub' } })]);
        // Listeners heard both attempts, under the same id.
        expect(emitted.map((e) => e.id)).toEqual([`${first.id}.2`, `${first.id}.2`]);
      } finally {
        hooks.setPublisher(undefined);
      }
    });

    it('processes in the background once started, woken by intake', async () => {
      hooks.start();
      try {
        await hooktest({ id: 'bg-1', type: 'item.created', account: 'acc-1', data: { id: 30, name: 'bg', updated_at: '2024-01-01' } });
        await eventually(async () => (await stored('bg-1')).status === 'processed');
        expect(await platform.records.get(conns.hooktest.id, 'items', '30')).toBeDefined();
      } finally {
        await hooks.stop();
      }
    });

    it('takes back an event whose claim expired (a crashed worker), and fences the old claim out', async () => {
      await hooktest({ id: 'crash-1', type: 'item.created', account: 'acc-1', data: { id: 40, name: 'crash', updated_at: '2024-01-01' } });
      const crashed = new WebhookEventsRepo(platform.store);
      const claimed = await crashed.claimDue('dead-host:1', 10, 1000);
      expect(claimed.map((c) => c.id)).toEqual([(await stored('crash-1')).id]);
      const [held] = claimed;
      expect(await hooks.drain()).toBe(0);
      clock += 1001;
      expect(await hooks.drain()).toBe(1);
      expect(await hooks.get(held.id)).toMatchObject({ status: 'processed', attempts: 2 });
      expect(await crashed.complete(held.id, held.token)).toBe(false);
      expect(await crashed.fail(held.id, held.token, 'late')).toBe(false);
      expect(await hooks.get(held.id)).toMatchObject({ status: 'processed' });
    });

    it('never lets two workers process the same event', async () => {
      const other = await openPlatform(db.url, { now: () => clock });
      const otherHooks = createWebhooks({ platform: other, worker: { concurrency: 3 } });
      const seen: string[] = [];
      hooks.on('event', (e) => { seen.push(e.id); });
      otherHooks.on('event', (e) => { seen.push(e.id); });
      try {
        for (let i = 0; i < 24; i++) await hooktest({ id: `race-${i}`, type: 'item.created', account: 'acc-1', data: { id: 100 + i, name: `r${i}`, updated_at: '2024-01-01' } });
        const [a, b] = await Promise.all([hooks.drain(), otherHooks.drain()]);
        expect(a + b).toBe(24);
        expect(seen).toHaveLength(24);
        expect(new Set(seen).size).toBe(24);
      } finally {
        await otherHooks.close();
        await other.close();
      }
    });
  });
}

describe('platform wiring', () => {
  let db: TestDatabase;
  afterEach(async () => db?.cleanup());
  it('exposes the webhooks service on the platform', async () => {
    db = await databaseKinds()[0].create('wh-platform');
    const platform = await openPlatform(db.url);
    try {
      const first = platform.webhooks;
      expect(typeof first.receive).toBe('function');
      // A lazy getter: a second read must return the same service, not start another one.
      expect(platform.webhooks).toBe(first);
      const res = await platform.webhooks.receive(request('stripe', 'conn_none', '{}', {}));
      expect(res.status).toBe(404);
    } finally {
      await platform.close();
    }
  });
});

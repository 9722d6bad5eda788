/**
 * A tenant with a few of everything a list route shows — connectors, connections, records
 * and changes, runs, webhook events, subscriptions, deliveries and keys — so paging can be
 * walked one item at a time through every list, over HTTP and the CLI alike.
 */
import { WebhookEventsRepo } from '../../engine/platform/store/webhook-events.js';
import { startFakeStripe, type FakeStripe } from './fake-stripe.js';
import { connectStripe, startRuntime, type TestRuntime } from './helpers.js';

export const TENANT = 'acme';

export interface Seeded {
  rt: TestRuntime;
  stripe: FakeStripe;
  key: string;
  conn: { id: string };
  subscription: { id: string };
  close(): Promise<void>;
}

export async function seedTenant(): Promise<Seeded> {
  const stripe = await startFakeStripe({ customers: 4 });
  const rt = await startRuntime();
  const key = await rt.keyFor(TENANT);
  const platform = rt.running.app.runtime.services.platform;
  // Several connections made in the same millisecond are told apart by id.
  const conn = await connectStripe(rt, TENANT, stripe.url);
  for (const name of ['second', 'third']) await connectStripe(rt, TENANT, stripe.url, 'sk_test_good123', name);
  for (let i = 0; i < 3; i++) await platform.sync({ tenant: TENANT, id: conn.id }, 'customers');
  stripe.customers.splice(1, 1);
  await platform.sync({ tenant: TENANT, id: conn.id }, 'customers');

  const events = new WebhookEventsRepo(platform.store);
  await platform.store.knex.transaction((trx) => events.insertDeliveries(trx, [{
    events: ['evt_1', 'evt_2', 'evt_3'].map((id, i) => ({
      id: `whe_seed_${i}`, tenant: TENANT, connector: 'stripe', connectionId: conn.id, providerEventId: id,
      type: 'customer.updated', payloadText: JSON.stringify({ id }), headersText: '{}',
    })),
  }]));

  const subscriptions: Array<{ id: string }> = [];
  for (const d of ['one', 'two', 'three']) {
    const res = await rt.call('POST', '/v1/subscriptions', { key, body: { url: `${stripe.url}/hook`, events: ['*'], description: d } });
    if (res.status !== 201) throw new Error(`subscription not created: ${res.text}`);
    subscriptions.push(res.body);
  }
  for (const id of ['ev_a', 'ev_b', 'ev_c']) {
    await platform.deliveries.publish({ id, type: 'customer.updated', connector: 'stripe', connection: conn.id, tenant: TENANT, data: { id }, occurred_at: new Date().toISOString() });
  }
  for (const name of ['ci', 'ops']) await rt.running.app.runtime.services.keys.create({ tenant: TENANT, name });
  return {
    rt, stripe, key, conn, subscription: subscriptions[0],
    async close() {
      await rt.close();
      await stripe.close();
    },
  };
}

/** Every list route of a tenant (and the admin's keys), with the array its page carries. */
export function listRoutes(s: Seeded): Array<{ path: string; items: string; admin?: boolean; idOf?: (item: any) => string }> {
  const stream = `/v1/connections/${s.conn.id}/streams/customers`;
  return [
    { path: '/v1/connectors', items: 'connectors' },
    { path: '/v1/connections', items: 'connections' },
    { path: `${stream}/records?include_deleted=true`, items: 'records' },
    { path: `${stream}/changes`, items: 'changes' },
    { path: `/v1/connections/${s.conn.id}/runs`, items: 'runs' },
    { path: '/v1/webhook-events', items: 'events' },
    { path: '/v1/subscriptions', items: 'subscriptions' },
    { path: `/v1/subscriptions/${s.subscription.id}/deliveries`, items: 'deliveries' },
    { path: `/v1/keys?tenant=${TENANT}`, items: 'keys', admin: true },
  ];
}

/**
 * Cross-tenant access is impossible: every tenant-scoped route that names a resource, called
 * with another tenant's key (or the admin key acting for another tenant), answers exactly
 * what a missing resource answers, and changes nothing in the database or at the provider.
 * The routes come from the registrar, so a route added later is covered without editing this.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteDef } from '../../engine/runtime/route.js';
import { startFakeStripe, type FakeStripe } from './fake-stripe.js';
import { connectStripe, startRuntime, type TestRuntime } from './helpers.js';

const BODIES: Record<string, unknown> = {
  updateConnection: { name: 'stolen', credentials: { api_key: 'sk_test_attacker1' } },
  callAction: { id: 'cus_0001' },
  putSchedule: { every: '1h' },
  chooseConnectionOption: { option: 'tenant-1' },
};

async function snapshot(rt: TestRuntime): Promise<Record<string, unknown[]>> {
  const knex = rt.running.platform.store.knex;
  const tables = (await knex('sqlite_master').select('name').where('type', 'table')).map((r: { name: string }) => r.name)
    .filter((n: string) => !n.startsWith('sqlite_') && !n.startsWith('patchbay_migrations'));
  const out: Record<string, unknown[]> = {};
  for (const t of tables.sort()) {
    // A key's own last-use stamp is the attacker's row, not the victim's data.
    const rows = await knex(t).select('*');
    out[t] = t === 'api_keys' ? rows.map(({ last_used_at: _ignored, ...r }: Record<string, unknown>) => r) : rows;
  }
  return out;
}

function pathFor(route: RouteDef, ids: { connection: string; run: string }): string {
  return route.path
    .replace(':id', route.path.startsWith('/v1/runs/') ? ids.run : ids.connection)
    .replace(':stream', 'customers')
    .replace(':action', 'get_customer');
}

describe('runtime: tenant isolation', () => {
  let rt: TestRuntime;
  let stripe: FakeStripe;
  let victim: any;
  let runId: string;

  beforeAll(async () => {
    stripe = await startFakeStripe({ customers: 3 });
    rt = await startRuntime();
    victim = await connectStripe(rt, 'acme', stripe.url);
    const keyA = await rt.keyFor('acme');
    const run = await rt.call('POST', `/v1/connections/${victim.id}/streams/customers/sync?wait=true`, { key: keyA });
    runId = run.body.id;
    await rt.call('PUT', `/v1/connections/${victim.id}/streams/customers/schedule`, { key: keyA, body: { every: '1h' } });
  });
  afterAll(async () => {
    await rt?.close();
    await stripe?.close();
  });

  it('answers 404 to every resource route called by another tenant, exactly as for a missing id, and changes nothing', async () => {
    const keyB = await rt.keyFor('globex');
    const routes = rt.running.app.runtime.routes.filter((r) => (r.access ?? 'tenant') === 'tenant' && r.path.includes(':id'));
    expect(routes.length).toBeGreaterThanOrEqual(14);
    const before = await snapshot(rt);
    const providerCalls = stripe.seen.length;

    for (const route of routes) {
      const body = BODIES[route.id] ?? (route.body ? {} : undefined);
      const asOther = await rt.call(route.method, pathFor(route, { connection: victim.id, run: runId }), { key: keyB, body });
      const asAdminForOther = await rt.call(route.method, pathFor(route, { connection: victim.id, run: runId }), { key: rt.adminKey, tenant: 'globex', body });
      const missing = await rt.call(route.method, pathFor(route, { connection: 'conn_doesNotExist00000', run: 'run_doesNotExist000000' }), { key: keyB, body });
      for (const res of [asOther, asAdminForOther]) {
        expect(res.status, `${route.id}: ${res.text}`).toBe(404);
        const { request_id: _a, ...problem } = res.body;
        const { request_id: _b, ...expected } = missing.body;
        expect(problem, route.id).toEqual(expected);
      }
    }
    expect(await snapshot(rt)).toEqual(before);
    expect(stripe.seen.length).toBe(providerCalls);
  });

  it('lists only the caller tenant\'s connections, and a tenant key cannot name another tenant', async () => {
    const keyB = await rt.keyFor('globex');
    expect((await rt.call('GET', '/v1/connections', { key: keyB })).body.connections).toEqual([]);
    const adminView = await rt.call('GET', '/v1/connections?tenant=acme', { key: rt.adminKey });
    expect(adminView.body.connections.map((c: any) => c.id)).toEqual([victim.id]);
    const named = await rt.call('GET', '/v1/connections?tenant=acme', { key: keyB });
    expect(named.status).toBe(403);
    expect(named.body.code).toBe('tenant_mismatch');
    const viaHeader = await rt.call('GET', '/v1/connections', { key: keyB, tenant: 'acme' });
    expect(viaHeader.status).toBe(403);
    const sameName = await connectStripe(rt, 'globex', stripe.url);
    expect(sameName.id).not.toBe(victim.id);
    expect((await rt.call('GET', '/v1/connections', { key: await rt.keyFor('acme') })).body.connections.map((c: any) => c.id)).toEqual([victim.id]);
  });

  it('makes the admin key name a tenant on tenant routes', async () => {
    const res = await rt.call('GET', '/v1/connections', { key: rt.adminKey });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('tenant_required');
    const ambiguous = await rt.call('GET', '/v1/connections?tenant=acme', { key: rt.adminKey, tenant: 'globex' });
    expect(ambiguous.body.code).toBe('tenant_ambiguous');
    const bad = await rt.call('GET', '/v1/connections?tenant=*', { key: rt.adminKey });
    expect(bad.body.code).toBe('invalid_tenant');
  });
});

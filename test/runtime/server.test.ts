/**
 * The server's lifecycle: liveness and readiness, graceful shutdown (an in-flight request
 * finishes, new connections are refused, a background sync stops between pages with its
 * pages committed), and the routes mounted in a host's own koa app.
 */
import net from 'node:net';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { createPlatform } from '../../engine/platform/platform.js';
import { createRuntimeRouter } from '../../engine/runtime/index.js';
import { startFakeStripe } from './fake-stripe.js';
import { connectStripe, SHIPPED_CONNECTORS, SHIPPED_IDS, startRuntime, TEST_SECRET_KEYS, waitFor } from './helpers.js';

function refusesConnections(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(u.port), u.hostname);
    s.once('connect', () => { s.destroy(); resolve(false); });
    s.once('error', () => resolve(true));
  });
}

describe('runtime: health and shutdown', () => {
  it('is live and ready, and not ready once the database is gone', async () => {
    const rt = await startRuntime();
    try {
      expect((await rt.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
      expect((await rt.call('GET', '/readyz')).body).toEqual({ status: 'ready' });
      await rt.running.platform.store.knex.destroy();
      const down = await rt.call('GET', '/readyz');
      expect(down.status).toBe(503);
      expect(down.body.code).toBe('database_unreachable');
      expect((await rt.call('GET', '/healthz')).status).toBe(200);
    } finally {
      await rt.close().catch(() => undefined);
    }
  });

  it('lets an in-flight request finish, refuses new connections, then closes', async () => {
    const stripe = await startFakeStripe();
    const rt = await startRuntime({ shutdownGraceMs: 5000 });
    try {
      const conn = await connectStripe(rt, 'acme', stripe.url);
      const key = await rt.keyFor('acme');
      stripe.delays.set('/v1/customers/cus_slow', 700);
      const inFlight = rt.call('POST', `/v1/connections/${conn.id}/actions/get_customer`, { key, body: { id: 'cus_slow' } });
      await waitFor(async () => (stripe.seen.some((r) => r.path === '/v1/customers/cus_slow') ? true : undefined), 'the provider to get the request');
      const closing = rt.running.close();
      let closed = false;
      void closing.then(() => { closed = true; });
      await new Promise((r) => setTimeout(r, 50));
      expect(await refusesConnections(rt.url)).toBe(true);
      expect(closed).toBe(false);
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(res.body.output.id).toBe('cus_slow');
      await closing;
      expect(closed).toBe(true);
    } finally {
      await rt.close();
      await stripe.close();
    }
  });

  it('stops a background sync between pages at shutdown, its committed pages kept', async () => {
    const stripe = await startFakeStripe({ customers: 1000 });
    const rt = await startRuntime({ shutdownGraceMs: 300 });
    try {
      const conn = await connectStripe(rt, 'acme', stripe.url);
      const key = await rt.keyFor('acme');
      stripe.delays.set('/v1/customers', 150);
      const started = await rt.call('POST', `/v1/connections/${conn.id}/streams/customers/sync`, { key });
      expect(started.status).toBe(202);
      await waitFor(async () => ((await rt.call('GET', `/v1/runs/${started.body.id}`, { key })).body.records.pages >= 1 ? true : undefined), 'a committed page');
      await rt.running.close();

      const platform = await createPlatform({ database: rt.database, connectors: SHIPPED_CONNECTORS, secretKeys: TEST_SECRET_KEYS });
      try {
        const run = (await platform.runs.get(started.body.id, 'acme'))!;
        expect(run.status).toBe('partial');
        expect(run.records.pages).toBeGreaterThanOrEqual(1);
        expect(run.records.pages).toBeLessThan(10);
        expect(await platform.records.count({ tenant: 'acme', id: conn.id }, 'customers')).toBe(run.records.written);
      } finally {
        await platform.close();
      }
    } finally {
      await rt.close();
      await stripe.close();
    }
  });
});

describe('runtime: mounted in a host koa app', () => {
  it('serves the same routes next to the host\'s own, with problems and tenant scoping', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-host-'));
    const platform = await createPlatform({ database: `sqlite:${path.join(dir, 'host.db')}`, connectors: SHIPPED_CONNECTORS, secretKeys: TEST_SECRET_KEYS });
    const adminKey = 'host-admin-key-0123456789abcdef';
    const host = new Koa();
    host.use(async (ctx, next) => {
      if (ctx.path === '/host/ping') ctx.body = { pong: true };
      else await next();
    });
    host.use(createRuntimeRouter({ platform, adminKey }).routes());
    const server = http.createServer(host.callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await (await fetch(`${base}/host/ping`)).json()).toEqual({ pong: true });
      const auth = { authorization: `Bearer ${adminKey}` };
      const connectors = await fetch(`${base}/v1/connectors`, { headers: auth });
      expect(connectors.status).toBe(200);
      expect(((await connectors.json()) as any).connectors.map((c: any) => c.id).sort()).toEqual(SHIPPED_IDS);
      const made = await fetch(`${base}/v1/keys`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ tenant: 'acme' }) });
      const { key } = (await made.json()) as { key: string };
      const list = await fetch(`${base}/v1/connections`, { headers: { authorization: `Bearer ${key}` } });
      expect(await list.json()).toEqual({ connections: [], next_cursor: null, has_more: false });
      const bad = await fetch(`${base}/v1/connections/conn_x`, { headers: { authorization: `Bearer ${key}` } });
      expect(bad.status).toBe(404);
      expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
      expect(bad.headers.get('x-request-id')).toBeTruthy();
    } finally {
      await new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
      await platform.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

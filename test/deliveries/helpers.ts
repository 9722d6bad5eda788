/** A local receiver for outbound deliveries, and a store + deliveries service per test database. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDeliveries, type Deliveries, type DeliveriesOptions } from '../../engine/platform/deliveries/index.js';
import { createVault, makeKeyRing, parseKeyList } from '../../engine/platform/secrets/index.js';
import { openStore, type Store } from '../../engine/platform/store/index.js';
import type { NormalizedEvent } from '../../engine/platform/webhooks/types.js';
import { KEY_A } from '../store/databases.js';
import { LOCAL_OUTBOUND } from '../outbound/helpers.js';

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Decides each answer; default 204. */
  respond: (req: Received, res: http.ServerResponse) => void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const r: Receiver = {
    url: '',
    received: [],
    respond: (_req, res) => {
      res.statusCode = 204;
      res.end();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const got = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      r.received.push(got);
      r.respond(got, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks?team=ops`;
  return r;
}

export const vault = createVault(makeKeyRing(parseKeyList(KEY_A)));

export async function openDeliveries(url: string, opts: Partial<DeliveriesOptions> = {}): Promise<{ store: Store; deliveries: Deliveries; close(): Promise<void> }> {
  const store = await openStore(url);
  const deliveries = createDeliveries({ store, vault, outbound: LOCAL_OUTBOUND, jitter: 0, ...opts });
  return {
    store,
    deliveries,
    close: async () => {
      await deliveries.stop();
      await store.close();
    },
  };
}

let seq = 0;
export function event(over: Partial<NormalizedEvent> = {}): NormalizedEvent {
  seq++;
  return {
    id: `ev_${Date.now().toString(36)}_${seq}`,
    type: 'ticket.created',
    connector: 'helpdesk',
    connection: 'conn_1',
    tenant: 'acme',
    data: { id: `t${seq}`, title: 'Printer on fire' },
    occurred_at: new Date().toISOString(),
    ...over,
  };
}

export async function until<T>(probe: () => T | Promise<T>, timeoutMs = 5000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * What a refused webhook delivery costs in storage: 1,000 forged 64 KiB Stripe deliveries to
 * a per-connection URL and 1,000 to the connector-level URL, then the bytes kept per table.
 * Run: npx tsx bench/rejected-storage.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConnectors } from '../engine/plan/index.js';
import { createPlatform } from '../engine/platform/platform.js';
import { createWebhooks } from '../engine/platform/webhooks/service.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pb-rejected-'));
const { plans } = await loadConnectors(path.resolve('connectors'));
const platform = await createPlatform({ database: `sqlite:${path.join(dir, 'p.db')}`, connectors: plans, secretKeys: `k:${Buffer.alloc(32, 1).toString('base64')}` });
const hooks = createWebhooks({ platform, maxBodyBytes: 1024 * 1024 });
const conn = await platform.connections.create({ tenant: 'acme', connector: 'stripe', name: 'st', credentials: { api_key: 'sk_test_x', webhook_secret: 'whsec_real' }, learned: { account_id: 'acct_1X' }, skipCheck: true });
const body = JSON.stringify({ id: 'evt_forged', type: 'customer.created', account: 'acct_1X', data: { object: { note: 'x'.repeat(64 * 1024 - 120) } } });
const headers = { 'content-type': 'application/json', 'stripe-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` };
const N = 1000;
const statuses: Record<string, number> = {};
for (let i = 0; i < N; i++) {
  for (const connectionId of [conn.id, undefined]) {
    const res = await hooks.receive({ connectorId: 'stripe', ...(connectionId ? { connectionId } : {}), method: 'POST', url: '/v1/webhooks/stripe', headers, rawBody: Buffer.from(body) });
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  }
}
const knex = platform.store.knex;
const size = async (table: string, cols: string[]) => {
  const rows = await knex(table).select(cols);
  return { rows: rows.length, bytes: rows.reduce((n: number, r: Record<string, unknown>) => n + cols.reduce((m, c) => m + Buffer.byteLength(String(r[c] ?? '')), 0), 0) };
};
const events = await size('webhook_events', ['payload', 'headers', 'error', 'sender_event_id']);
const payloads = await size('webhook_payloads', ['body']);
const counts = await knex('webhook_rejections').select('connection_id', 'count');
console.log(JSON.stringify({ deliveries: 2 * N, bodyBytes: Buffer.byteLength(body), statuses, webhook_events: events, bytesPerStoredRow: events.rows ? Math.round(events.bytes / events.rows) : 0, webhook_payloads: payloads, webhook_rejections: counts }));
await hooks.close();
await platform.close();
rmSync(dir, { recursive: true, force: true });

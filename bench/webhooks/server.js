#!/usr/bin/env node
/**
 * A webhook intake server in its own process, for the webhook benchmark and the crash test.
 * Plain ESM over the built engine (dist/). Configured by environment:
 *
 *   PATCHBAY_DATABASE_URL   the database (required)
 *   PATCHBAY_SECRET_KEYS    the key ring (required for `patchbay` mode)
 *   BENCH_MODE              `patchbay` (the runtime: verify → dedupe → store) or `baseline`
 *                           (a bare koa handler that only inserts the raw body)
 *   BENCH_CONNECTORS        connectors directory (`patchbay` mode)
 *   BENCH_WORKERS           `1` to run the webhook processing and delivery workers too
 *
 * Reports `{ port }` over IPC when forked, else as a JSON line on stdout.
 */
import http from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '../..');
const dist = (p) => import(pathToFileURL(join(root, 'dist/engine', p)).href);

const mode = process.env.BENCH_MODE ?? 'patchbay';
const database = process.env.PATCHBAY_DATABASE_URL;
if (!database) throw new Error('PATCHBAY_DATABASE_URL is required');

const BODY_LIMIT = 1024 * 1024;

async function patchbay() {
  const { createPlatform } = await dist('platform/platform.js');
  const { createApp } = await dist('runtime/app.js');
  const platform = await createPlatform({ database, connectors: process.env.BENCH_CONNECTORS, secretKeys: process.env.PATCHBAY_SECRET_KEYS });
  // Throughput from one loopback client is what is measured: the intake budget (bench/intake) is off.
  const app = createApp({ platform, adminKey: '', rateLimit: false, webhookIntakeLimit: false });
  if (process.env.BENCH_WORKERS === '1') {
    platform.webhooks.start();
    platform.deliveries.start();
  }
  return { app, close: () => platform.close() };
}

async function baseline() {
  const { default: Koa } = await import('koa');
  const { openStore } = await dist('platform/store/store.js');
  // openStore gives the same connection settings (WAL, synchronous=NORMAL, one connection).
  const store = await openStore(database);
  if (!(await store.knex.schema.hasTable('baseline_events'))) {
    await store.knex.schema.createTable('baseline_events', (t) => {
      t.increments('id');
      t.text('body').notNullable();
      t.bigInteger('received_at').notNullable();
    });
  }
  const app = new Koa();
  app.use(async (ctx) => {
    const chunks = [];
    let size = 0;
    for await (const c of ctx.req) {
      size += c.length;
      if (size > BODY_LIMIT) ctx.throw(413);
      chunks.push(c);
    }
    await store.knex('baseline_events').insert({ body: Buffer.concat(chunks).toString('utf8'), received_at: Date.now() });
    ctx.status = 200;
    ctx.body = { ok: true };
  });
  return { app, close: () => store.close() };
}

const { app, close } = mode === 'baseline' ? await baseline() : await patchbay();
// Counts handlers still running (a client that went away does not stop its insert), so the
// store is closed only after the last one.
let inFlight = 0;
app.middleware.unshift(async (_ctx, next) => {
  inFlight++;
  try {
    await next();
  } finally {
    inFlight--;
  }
});
const server = http.createServer(app.callback());
server.keepAliveTimeout = 30_000;
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
if (process.send) process.send({ port });
else process.stdout.write(`${JSON.stringify({ port })}\n`);

let stopping;
const stop = () => {
  // Finish what is in flight (bounded) before closing the store under it.
  stopping ??= (async () => {
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeIdleConnections();
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5000))]);
    server.closeAllConnections();
    for (let i = 0; inFlight > 0 && i < 500; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await close();
    process.exit(0);
  })();
  return stopping;
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.on('disconnect', stop);

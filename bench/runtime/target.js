/**
 * The server under test, in its own process: `runtime` starts the Patchbay runtime (request
 * logging on, to /dev/null; the per-key rate limit on but out of reach) with a connection to
 * the fake provider; `baseline` starts a bare koa route that calls the provider with got.
 * Prints `{"url", "path", "headers"}` on stdout once ready.
 *
 * Usage: node bench/runtime/target.js runtime|baseline <provider-url>
 */
import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import Koa from 'koa';
import { got } from 'got';

const root = join(import.meta.dirname, '../..');
const [mode, providerUrl] = process.argv.slice(2);

const MANIFEST = `
patchbay: 1
id: benchapi
name: Bench API
credentials:
  type: object
  required: [token]
  properties: { token: { type: string } }
auth: { type: bearer }
http:
  base_url: https://bench.invalid
check:
  request: { method: POST, path: /items, body: { name: check } }
actions:
  create_item:
    input:
      type: object
      required: [name]
      additionalProperties: false
      properties: { name: { type: string, minLength: 1 } }
    request:
      method: POST
      path: /items
      body: { name: "{{input.name}}" }
    output: "{ 'id': id, 'name': name, 'status': status }"
`;

function ready(info) {
  process.stdout.write(`${JSON.stringify(info)}\n`);
}

async function startRuntime() {
  const { startServer } = await import(pathToFileURL(join(root, 'dist/engine/runtime/server.js')).href);
  const { createLogger } = await import(pathToFileURL(join(root, 'dist/engine/core/log.js')).href);
  const pino = (await import('pino')).default;
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-bench-runtime-'));
  mkdirSync(join(dir, 'connectors', 'benchapi'), { recursive: true });
  writeFileSync(join(dir, 'connectors', 'benchapi', 'connector.yaml'), MANIFEST);
  const running = await startServer({
    port: 0,
    database: `sqlite:${join(dir, 'bench.db')}`,
    connectorsDir: join(dir, 'connectors'),
    secretKeys: `bench:${randomBytes(32).toString('base64')}`,
    adminKey: randomBytes(24).toString('base64url'),
    logger: createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: false }) }),
    outbound: { allowPrivate: true },
    allowBaseUrlOverride: true,
    workers: false,
    bootstrapAdminKey: false,
    rateLimit: { perSecond: 1e9, burst: 1e9 },
    print: () => undefined,
  });
  const { key } = await running.app.runtime.services.keys.create({ tenant: 'bench' });
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const res = await fetch(`${running.url}/v1/connections`, {
    method: 'POST', headers, body: JSON.stringify({ connector: 'benchapi', name: 'bench', credentials: { token: 'bench-token' }, base_url: providerUrl }),
  });
  if (res.status !== 201) throw new Error(`connection not created: ${res.status} ${await res.text()}`);
  const conn = await res.json();
  ready({ url: running.url, path: `/v1/connections/${conn.id}/actions/create_item`, headers });
  process.on('SIGTERM', () => running.close().then(() => { rmSync(dir, { recursive: true, force: true }); process.exit(0); }));
}

async function startBaseline() {
  const client = got.extend({
    agent: { http: new http.Agent({ keepAlive: true, maxSockets: 50 }), https: new https.Agent({ keepAlive: true, maxSockets: 50 }) },
    headers: { authorization: 'Bearer bench-token' },
    responseType: 'json',
  });
  const app = new Koa();
  app.use(async (ctx) => {
    if (ctx.method !== 'POST' || ctx.path !== '/items') {
      ctx.status = 404;
      return;
    }
    let raw = '';
    for await (const chunk of ctx.req) raw += chunk;
    const input = JSON.parse(raw);
    const { body } = await client.post(`${providerUrl}/items`, { json: { name: input.name } });
    ctx.body = { output: { id: body.id, name: body.name, status: body.status } };
  });
  const server = http.createServer(app.callback());
  server.listen(0, '127.0.0.1', () => {
    ready({ url: `http://127.0.0.1:${server.address().port}`, path: '/items', headers: { 'content-type': 'application/json' } });
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

if (mode === 'runtime') await startRuntime();
else if (mode === 'baseline') await startBaseline();
else {
  process.stderr.write('usage: target.js runtime|baseline <provider-url>\n');
  process.exit(2);
}

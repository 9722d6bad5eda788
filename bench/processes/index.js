/**
 * Scaling out: requests/s of POST /v1/connections/:id/actions/:action through one runtime
 * process, then through three processes on the same PostgreSQL database (the load split
 * evenly between them, the same total concurrency), against the runtime benchmark's fake
 * provider. Reports both and the ratio. Needs PATCHBAY_BENCH_PG_URL (or PATCHBAY_TEST_PG_URL);
 * without it the benchmark reports that it was skipped. On a machine with fewer cores than
 * processes the ratio says how much the processes contend, not how far they would scale.
 *
 * Run with `npm run bench -- processes` (after `npm run build`).
 * PATCHBAY_BENCH_PROCESSES_SECONDS (default 8), PATCHBAY_BENCH_PROCESSES_CONNECTIONS (default 48).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import knexFactory from 'knex';
import { spawnReady } from '../runtime/spawn-ready.js';

export const title = 'Action calls through 1 vs 3 runtime processes on one PostgreSQL';

const here = import.meta.dirname;
const SECONDS = Number(process.env.PATCHBAY_BENCH_PROCESSES_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.PATCHBAY_BENCH_PROCESSES_CONNECTIONS ?? 48);
const PG = process.env.PATCHBAY_BENCH_PG_URL ?? process.env.PATCHBAY_TEST_PG_URL;

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
actions:
  create_item:
    input:
      type: object
      required: [name]
      properties: { name: { type: string, minLength: 1 } }
    request: { method: POST, path: /items, body: { name: "{{input.name}}" } }
    output: "{ 'id': id, 'name': name, 'status': status }"
`;

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const load = (url, path, headers, connections, seconds) =>
  autocannon({ url: `${url}${path}`, method: 'POST', headers, body: JSON.stringify({ name: 'bench item' }), connections, duration: seconds });

async function measure(urls, path, headers, seconds) {
  const results = await Promise.all(urls.map((u) => load(u, path, headers, Math.max(1, Math.round(CONNECTIONS / urls.length)), seconds)));
  return {
    rps: results.reduce((n, r) => n + r.requests.average, 0),
    failed: results.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0),
  };
}

export async function run() {
  if (!PG) return [{ metric: 'skipped', value: 'set PATCHBAY_BENCH_PG_URL', unit: '' }];
  const schema = `bench_processes_${randomBytes(4).toString('hex')}`;
  const u = new URL(PG);
  u.searchParams.set('schema', schema);
  const database = u.toString();
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-bench-processes-'));
  mkdirSync(join(dir, 'connectors', 'benchapi'), { recursive: true });
  writeFileSync(join(dir, 'connectors', 'benchapi', 'connector.yaml'), MANIFEST);
  const admin = randomBytes(24).toString('base64url');
  const keys = `bench:${randomBytes(32).toString('base64')}`;
  const children = [];
  const start = async () => {
    const s = await spawnReady([join(here, 'server.js'), database, join(dir, 'connectors'), admin, keys]);
    children.push(s.child);
    return s.info.url;
  };
  try {
    const provider = await spawnReady([join(here, '../runtime/provider.js')]);
    children.push(provider.child);
    const first = await start();
    const adminHeaders = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
    const made = await (await fetch(`${first}/v1/keys`, { method: 'POST', headers: adminHeaders, body: JSON.stringify({ tenant: 'bench' }) })).json();
    const headers = { authorization: `Bearer ${made.key}`, 'content-type': 'application/json' };
    const res = await fetch(`${first}/v1/connections`, {
      method: 'POST', headers, body: JSON.stringify({ connector: 'benchapi', name: 'bench', credentials: { token: 'bench-token' }, base_url: provider.info.url, skip_check: true }),
    });
    if (res.status !== 201) throw new Error(`connection not created: ${res.status} ${await res.text()}`);
    const path = `/v1/connections/${(await res.json()).id}/actions/create_item`;

    const probe = await fetch(`${first}${path}`, { method: 'POST', headers, body: JSON.stringify({ name: 'bench item' }) });
    if (probe.status !== 200) throw new Error(`the action failed: ${probe.status} ${await probe.text()}`);
    await measure([first], path, headers, 2);
    const one = await measure([first], path, headers, SECONDS);
    const urls = [first, await start(), await start()];
    await measure(urls, path, headers, 2);
    const three = await measure(urls, path, headers, SECONDS);
    return [
      { metric: '1 process', value: Math.round(one.rps), unit: 'req/s' },
      { metric: '3 processes', value: Math.round(three.rps), unit: 'req/s' },
      { metric: '3 vs 1', value: Number((three.rps / one.rps).toFixed(2)), unit: '×' },
      { metric: 'failed requests', value: one.failed + three.failed, unit: '', target: '0', pass: one.failed + three.failed === 0 },
    ];
  } finally {
    await Promise.all(children.map(stop));
    rmSync(dir, { recursive: true, force: true });
    const k = knexFactory({ client: 'pg', connection: PG });
    await k.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]).finally(() => k.destroy());
  }
}

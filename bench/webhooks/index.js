/**
 * Webhook intake: signed GitHub deliveries (HMAC-SHA256 over the raw body, unique delivery
 * ids and bodies) verified, deduplicated and durably stored by the runtime, against a
 * baseline in the same run: a bare koa handler that only inserts the raw body into the same
 * kind of database (SQLite, same connection settings). Both servers run in their own process
 * (bench/webhooks/server.js over dist/); load comes from autocannon on loopback.
 *
 *   1. max throughput, baseline and runtime (same connections, same duration): events/s
 *      answered 2xx, p50 and p99 latency. Target: runtime ≥ 0.6 × baseline.
 *   2. the runtime at a fixed 1,000 events/s (autocannon `overallRate`): p99. Target < 50 ms.
 *
 * The processing worker is off in both phases (intake is what is measured); a last phase
 * repeats 2 with the processing and delivery workers running, for information.
 * Every 2xx is checked against the rows stored afterwards.
 *
 * Run with `npm run bench -- webhooks`, or directly: `node bench/webhooks/index.js`.
 * PATCHBAY_BENCH_WEBHOOK_SECONDS (default 10) and PATCHBAY_BENCH_WEBHOOK_CONNECTIONS
 * (default 32) tune the load.
 */
import { fork } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';

const root = join(import.meta.dirname, '../..');
const dist = (p) => import(pathToFileURL(join(root, 'dist/engine', p)).href);

export const title = 'Webhook intake';

const SECONDS = Number(process.env.PATCHBAY_BENCH_WEBHOOK_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.PATCHBAY_BENCH_WEBHOOK_CONNECTIONS ?? 32);
const FIXED_RATE = 1000;
const KEYS = `bench:${randomBytes(32).toString('base64')}`;
const SECRET = `bench-${randomBytes(12).toString('hex')}`;
const CONNECTORS = join(root, 'connectors');

function startServer(env) {
  const child = fork(join(import.meta.dirname, 'server.js'), [], {
    env: { ...process.env, PATCHBAY_SECRET_KEYS: KEYS, BENCH_CONNECTORS: CONNECTORS, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({
      url: `http://127.0.0.1:${m.port}`,
      async stop() {
        child.kill('SIGTERM');
        await exited;
      },
    }));
    child.once('exit', (code) => reject(new Error(`bench server exited (${code}) before listening`)));
  });
}

/** Distinct signed deliveries handed out in turn, so nothing is deduplicated away. */
function deliveries() {
  let n = 0;
  return () => {
    const i = n++;
    const id = randomUUID();
    const body = JSON.stringify({
      action: 'opened',
      issue: { id: 10_000_000 + i, number: i, title: `Benchmark issue ${i}`, state: 'open', body: 'x'.repeat(600), user: { login: 'octocat' } },
      repository: { full_name: 'octocat/hello' },
      sender: { login: 'octocat' },
    });
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'issues',
        'x-github-delivery': id,
        'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
      },
    };
  };
}

async function load(url, path, opts) {
  const next = deliveries();
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    ...opts,
    requests: [{
      method: 'POST',
      path,
      setupRequest: (req) => ({ ...req, ...next() }),
    }],
  });
  const ok = result['2xx'];
  return {
    ok,
    failed: result.non2xx + result.errors + result.timeouts,
    perSecond: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

async function countRows(database, table) {
  const { openStore } = await dist('platform/store/store.js');
  const store = await openStore(database, { migrate: false });
  try {
    const [{ n }] = await store.knex(table).count({ n: '*' });
    return Number(n);
  } finally {
    await store.close();
  }
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-bench-webhooks-'));
  try {
    const baseDb = `sqlite:${join(dir, 'baseline.db')}`;
    const runtimeDb = `sqlite:${join(dir, 'runtime.db')}`;
    const workersDb = `sqlite:${join(dir, 'workers.db')}`;

    const { createPlatform } = await dist('platform/platform.js');
    const connectionIn = async (database) => {
      const platform = await createPlatform({ database, connectors: CONNECTORS, secretKeys: KEYS });
      try {
        const c = await platform.connections.create({
          tenant: 'bench', connector: 'github', name: 'bench', auth: 'token', skipCheck: true,
          config: { owner: 'octocat', repo: 'hello' }, credentials: { token: 'ghp_bench', webhook_secret: SECRET },
        });
        return `/v1/webhooks/github/${c.id}`;
      } finally {
        await platform.close();
      }
    };
    const runtimePath = await connectionIn(runtimeDb);
    const workersPath = await connectionIn(workersDb);

    const baseline = await startServer({ BENCH_MODE: 'baseline', PATCHBAY_DATABASE_URL: baseDb });
    await load(baseline.url, '/', { duration: 1 });
    const base = await load(baseline.url, '/');
    const baseFixed = await load(baseline.url, '/', { overallRate: FIXED_RATE });
    await baseline.stop();
    const baseStored = await countRows(baseDb, 'baseline_events');
    const baseAcknowledged = base.ok + baseFixed.ok;

    const runtime = await startServer({ BENCH_MODE: 'patchbay', PATCHBAY_DATABASE_URL: runtimeDb, BENCH_WORKERS: '0' });
    const warm = await load(runtime.url, runtimePath, { duration: 1 });
    const max = await load(runtime.url, runtimePath);
    const fixed = await load(runtime.url, runtimePath, { overallRate: FIXED_RATE });
    await runtime.stop();
    const runtimeStored = await countRows(runtimeDb, 'webhook_events');

    const withWorkers = await startServer({ BENCH_MODE: 'patchbay', PATCHBAY_DATABASE_URL: workersDb, BENCH_WORKERS: '1' });
    await load(withWorkers.url, workersPath, { duration: 1, overallRate: FIXED_RATE });
    const busy = await load(withWorkers.url, workersPath, { overallRate: FIXED_RATE });
    await withWorkers.stop();

    const ratio = max.perSecond / base.perSecond;
    const acknowledged = warm.ok + max.ok + fixed.ok;
    const failed = max.failed + fixed.failed + base.failed + baseFixed.failed + busy.failed;
    return [
      { metric: 'baseline (koa + insert raw body): events/s', value: base.perSecond, unit: '/s' },
      { metric: 'baseline p50 / p99 latency at max load', value: `${base.p50} / ${base.p99}`, unit: 'ms' },
      { metric: `baseline p50 / p99 at ${FIXED_RATE.toLocaleString('en-US')} events/s (the machine's floor)`, value: `${baseFixed.p50} / ${baseFixed.p99}`, unit: 'ms' },
      { metric: 'runtime verified + stored: events/s', value: max.perSecond, unit: '/s' },
      { metric: 'runtime p50 / p99 latency at max load', value: `${max.p50} / ${max.p99}`, unit: 'ms' },
      { metric: 'runtime / baseline throughput', value: ratio, unit: '×', target: '≥ 0.6', pass: ratio >= 0.6 },
      { metric: `runtime p99 at ${FIXED_RATE.toLocaleString('en-US')} events/s (${fixed.perSecond.toFixed(0)}/s achieved)`, value: fixed.p99, unit: 'ms', target: '< 50 ms', pass: fixed.p99 < 50 && fixed.perSecond >= FIXED_RATE * 0.95 },
      { metric: `p50 / p99 at ${FIXED_RATE.toLocaleString('en-US')}/s with processing + delivery workers on`, value: `${busy.p50} / ${busy.p99}`, unit: 'ms' },
      { metric: 'non-2xx answers and errors', value: failed, target: '0', pass: failed === 0 },
      // Requests still in flight when a phase's clock stops are stored but not counted, hence ≥.
      { metric: 'rows stored / 2xx answers (runtime; baseline)', value: `${runtimeStored}/${acknowledged}; ${baseStored}/${baseAcknowledged}`, target: 'every 2xx stored', pass: runtimeStored >= acknowledged && baseStored >= baseAcknowledged },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await run()) console.log(`${r.metric}: ${r.value}${r.unit ? ` ${r.unit}` : ''}${r.target ? ` (target ${r.target}: ${r.pass ? 'ok' : 'MISSED'})` : ''}`);
}

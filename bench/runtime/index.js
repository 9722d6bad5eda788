/**
 * Runtime overhead: requests/s and p50/p99 latency of POST /v1/connections/:id/actions/:action
 * (API key, rate limit, JSON body validation, tenant-scoped connection lookup with sealed
 * credentials, the engine's request, request logging) against a bare koa route that calls
 * the same fake provider with got directly, in the same run. The provider and each server
 * run in their own processes; autocannon drives them from this one, loopback only.
 * Target: runtime throughput ≥ 0.7 × baseline.
 *
 * Run with `npm run bench -- runtime` (after `npm run build`), or `node bench/runtime/index.js`.
 * PATCHBAY_BENCH_RUNTIME_SECONDS (default 10) and PATCHBAY_BENCH_RUNTIME_CONNECTIONS (default 50).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { spawnReady } from './spawn-ready.js';

export const title = 'HTTP runtime action calls vs bare koa + got';

const here = import.meta.dirname;
const SECONDS = Number(process.env.PATCHBAY_BENCH_RUNTIME_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.PATCHBAY_BENCH_RUNTIME_CONNECTIONS ?? 50);
const WARMUP_SECONDS = 2;

/** Starts a helper script of this folder and resolves with the JSON it prints when ready. */
const startProcess = (script, args) => spawnReady([join(here, script), ...args]);

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function load(target, seconds) {
  return autocannon({
    url: `${target.url}${target.path}`,
    method: 'POST',
    headers: target.headers,
    body: JSON.stringify({ name: 'bench item' }),
    connections: CONNECTIONS,
    duration: seconds,
  });
}

function summary(r) {
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, failed: r.non2xx + r.errors + r.timeouts, total: r.requests.total };
}

export async function run() {
  const provider = await startProcess('provider.js', []);
  const children = [provider.child];
  try {
    const baseline = await startProcess('target.js', ['baseline', provider.info.url]);
    children.push(baseline.child);
    const runtime = await startProcess('target.js', ['runtime', provider.info.url]);
    children.push(runtime.child);

    // Warm both (JIT, sockets, caches) before measuring; then measure each in turn.
    await load(baseline.info, WARMUP_SECONDS);
    await load(runtime.info, WARMUP_SECONDS);
    const base = summary(await load(baseline.info, SECONDS));
    const rt = summary(await load(runtime.info, SECONDS));
    const ratio = rt.rps / base.rps;
    return [
      { metric: 'baseline (koa + got) requests/s', value: Math.round(base.rps), unit: 'req/s' },
      { metric: 'baseline latency p50 / p99', value: `${base.p50} / ${base.p99}`, unit: 'ms' },
      { metric: 'runtime POST …/actions/:action requests/s', value: Math.round(rt.rps), unit: 'req/s' },
      { metric: 'runtime latency p50 / p99', value: `${rt.p50} / ${rt.p99}`, unit: 'ms' },
      { metric: 'failed requests (baseline, runtime)', value: `${base.failed}, ${rt.failed}`, pass: base.failed === 0 && rt.failed === 0 },
      { metric: `runtime / baseline throughput (${CONNECTIONS} connections, ${SECONDS} s each)`, value: Number(ratio.toFixed(2)), unit: '×', target: '≥ 0.7×', pass: ratio >= 0.7 },
    ];
  } finally {
    await Promise.all(children.map(stop));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await run()) process.stdout.write(`${r.metric}: ${r.value}${r.unit ? ` ${r.unit}` : ''}${r.target ? ` (target ${r.target}: ${r.pass ? 'ok' : 'MISSED'})` : ''}\n`);
}

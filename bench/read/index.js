/**
 * Read throughput: 100,000 records in pages of 100 over link-header pagination, read by
 * (a) a hand-written got loop with a plain-JS mapping (baseline), (b) @octokit/rest's
 * paginate iterator, (c) Patchbay's engine.read with an 8-field JSONata mapping, and (d) the
 * `patchbay read` CLI writing NDJSON. Each client runs in its own process (its own peak
 * RSS); the fake API runs in this one. Memory growth is checked by reading 100,000 and then
 * 300,000 records with Patchbay.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { startFakeApi } from './server.js';

export const title = 'Stream read throughput';
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const TOTAL = Number(process.env.BENCH_READ_RECORDS ?? 100_000);

function runChild(args, { stdoutToNull = false } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { if (!stdoutToNull) out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${err.slice(-2000)}`));
      else resolve({ out, err, ms: performance.now() - started });
    });
  });
}

async function variant(name, url, total) {
  const { out } = await runChild([join(here, 'variant.js'), name, url, String(total)]);
  return JSON.parse(out.trim().split('\n').pop());
}

/** The CLI end to end: NDJSON to a pipe we discard; the wrapper watches the CLI process's own peak RSS. */
async function cli(url, total) {
  const wrapper = join(here, 'cli-rss.js');
  const { out } = await runChild([wrapper, url, String(total)]);
  return JSON.parse(out.trim().split('\n').pop());
}

export async function run() {
  const { server, url } = await startFakeApi({ total: TOTAL });
  try {
    // Warm the server's page cache so every client sees the same server cost.
    await variant('got', url, TOTAL);
    const got = await variant('got', url, TOTAL);
    const octokit = await variant('octokit', url, TOTAL);
    const patchbay = await variant('patchbay', url, TOTAL);
    const cliRun = await cli(url, TOTAL);
    // Memory against record count: the same read over three times the records. (Comparing
    // with a smaller read would mostly measure the heap warming up, not growth.)
    const large = await startFakeApi({ total: TOTAL * 3 });
    const patchbayLarge = await variant('patchbay', large.url, TOTAL * 3);
    large.server.close();
    const rps = (v) => Math.round((v.records / v.ms) * 1000);
    const base = rps(got);
    const ratio = (v) => Number((rps(v) / base).toFixed(2));
    const rows = [
      { metric: '(a) got loop + JS mapping (baseline)', value: base, unit: 'records/s' },
      { metric: '(b) @octokit/rest paginate.iterator', value: rps(octokit), unit: `records/s (${ratio(octokit)}× a)` },
      { metric: '(c) engine.read + JSONata mapping', value: rps(patchbay), unit: `records/s (${ratio(patchbay)}× a)`, target: '≥ 0.7× a and > b', pass: ratio(patchbay) >= 0.7 && rps(patchbay) > rps(octokit) },
      { metric: '(d) patchbay read CLI → NDJSON', value: rps(cliRun), unit: `records/s (${ratio(cliRun)}× a)` },
      { metric: 'peak RSS (a) got', value: Math.round(got.maxRssMb), unit: 'MB' },
      { metric: 'peak RSS (b) octokit', value: Math.round(octokit.maxRssMb), unit: 'MB' },
      { metric: 'peak RSS (c) patchbay', value: Math.round(patchbay.maxRssMb), unit: 'MB' },
      // null where the platform gives no way to watch another process's memory.
      { metric: 'peak RSS (d) patchbay CLI', value: cliRun.maxRssMb == null ? 'n/a' : Math.round(cliRun.maxRssMb), unit: cliRun.maxRssMb == null ? '' : 'MB' },
      { metric: `peak RSS (c) at ${TOTAL * 3} records`, value: Math.round(patchbayLarge.maxRssMb), unit: `MB (×${(patchbayLarge.maxRssMb / patchbay.maxRssMb).toFixed(2)} of the ${TOTAL}-record read for 3× the records)`, target: '< 1.2×', pass: patchbayLarge.maxRssMb / patchbay.maxRssMb < 1.2 },
    ];
    return rows;
  } finally {
    server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run()) console.log(`${r.metric}: ${r.value} ${r.unit ?? ''} ${r.target ? `[target ${r.target}: ${r.pass ? 'ok' : 'MISSED'}]` : ''}`);
}

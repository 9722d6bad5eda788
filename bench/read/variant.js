/**
 * One measured client, run in its own process so its peak RSS is its own:
 *   node variant.js <got|octokit|patchbay> <baseUrl> <expectedRecords>
 * Prints one JSON line: { records, ms, cpuMs, maxRssMb, checksum }.
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const [variant, baseUrl, expected] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

// The same 8 fields the manifest's JSONata mapping produces, in plain JS.
const mapIssue = (r) => ({ id: String(r.id), number: r.number, title: r.title, status: r.state, author: r.user?.login,
  labels: r.labels.map((l) => l.name), created_at: r.created_at, updated_at: r.updated_at });

let records = 0;
let checksum = 0;
const take = (m) => { records++; checksum += m.number; };
const started = performance.now();
const cpuStarted = process.cpuUsage();

if (variant === 'got') {
  const { default: got } = await import('got');
  let next = `${baseUrl}/repos/o/r/issues?per_page=100`;
  while (next) {
    const res = await got(next, { headers: { authorization: 'Bearer t' }, responseType: 'json' });
    for (const r of res.body) take(mapIssue(r));
    const m = /<([^>]+)>;\s*rel="next"/.exec(res.headers.link ?? '');
    next = m ? m[1] : undefined;
  }
} else if (variant === 'octokit') {
  const { Octokit } = await import('@octokit/rest');
  const octokit = new Octokit({ auth: 't', baseUrl });
  for await (const page of octokit.paginate.iterator(octokit.rest.issues.listForRepo, { owner: 'o', repo: 'r', per_page: 100 })) {
    for (const r of page.data) take(mapIssue(r));
  }
} else if (variant === 'patchbay') {
  const { createEngine } = await import(join(root, 'dist/engine/run/engine.js'));
  const { compileSource } = await import(join(root, 'dist/engine/plan/index.js'));
  const { readFileSync } = await import('node:fs');
  const file = join(here, 'connector.yaml');
  const { plan, diagnostics } = compileSource(readFileSync(file, 'utf8'), file);
  if (!plan) throw new Error(JSON.stringify(diagnostics));
  const engine = await createEngine({ connectors: [plan] });
  const read = engine.read({ connector: 'benchapi', credentials: { token: 't' }, baseUrl }, 'issues');
  for await (const r of read) take(r);
  await engine.close();
} else {
  throw new Error(`unknown variant ${variant}`);
}

const ms = performance.now() - started;
// CPU time is reported beside wall time: on a shared machine it varies far less.
const cpu = process.cpuUsage(cpuStarted);
if (records !== Number(expected)) throw new Error(`${variant}: read ${records} records, expected ${expected}`);
process.stdout.write(JSON.stringify({ records, ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, checksum }) + '\n');

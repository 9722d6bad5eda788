#!/usr/bin/env node
/**
 * Where a runtime action call spends its CPU: starts the fake provider and the runtime (as
 * `target.js runtime`) under `node --cpu-prof`, loads it from a separate process with
 * autocannon (so the load generator does not appear in the profile), stops the runtime,
 * and prints the top self-time and inclusive-time functions from the .cpuprofile.
 *
 * Usage: node bench/runtime/profile.js [seconds=8] [top=25]   (after `npm run build`)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnReady } from './spawn-ready.js';

const here = import.meta.dirname;
const root = join(here, '../..');
const SECONDS = Number(process.argv[2] ?? 8);
const TOP = Number(process.argv[3] ?? 25);
const FILTER = process.env.PROFILE_FILTER;
const INTERVAL_US = 500;
/** PROFILE=0 measures CPU per request without the profiler's overhead. */
const PROFILE = process.env.PROFILE !== '0';
const CONNECTIONS = Number(process.env.PATCHBAY_BENCH_RUNTIME_CONNECTIONS ?? 50);

const start = spawnReady;

function exited(child, signal) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    if (signal) child.kill(signal);
  });
}

/** autocannon in its own process, so its CPU is not mistaken for the server's. */
async function loadFrom(target, seconds) {
  const script = `
    import autocannon from 'autocannon';
    const t = JSON.parse(process.argv[1]);
    const r = await autocannon({ url: t.url + t.path, method: 'POST', headers: t.headers,
      body: JSON.stringify({ name: 'bench item' }), connections: ${CONNECTIONS}, duration: ${seconds} });
    console.log(JSON.stringify({ total: r.requests.total, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors }));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(target)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  await exited(child);
  return JSON.parse(out);
}

/** CPU seconds the process has used so far (Linux /proc; clock ticks are 1/100 s there). */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

function label(node) {
  const f = node.callFrame;
  const file = f.url ? relative(root, f.url.replace(/^file:\/\//, '')) : '';
  return `${f.functionName || '(anonymous)'} ${file}${f.url ? `:${f.lineNumber + 1}` : ''}`;
}

function summarise(profile, requests) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Only the measured run (the profile's last SECONDS): startup and warm-up are left out.
  const selfSamples = new Map();
  const from = profile.endTime - SECONDS * 1e6;
  let at = profile.startTime;
  let total = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i];
    if (at < from) return;
    total++;
    selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
  });
  const self = new Map();
  const inclusive = new Map();
  for (const [id, count] of selfSamples) {
    const node = byId.get(id);
    const key = label(node);
    self.set(key, (self.get(key) ?? 0) + count);
    // A recursive function counts once per sample, however deep it recurses.
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = label(byId.get(cur));
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + count);
    }
  }
  // Self time by where the code lives: a package, an engine folder, node's internals, or native/VM.
  const group = new Map();
  for (const [id, count] of selfSamples) {
    const url = byId.get(id).callFrame.url;
    const path = url ? relative(root, url.replace(/^file:\/\//, '')) : '';
    const g = !url ? `(native) ${byId.get(id).callFrame.functionName}`
      : url.startsWith('node:') ? 'node internals'
      : path.startsWith('node_modules/') ? path.split('/').slice(0, path.startsWith('node_modules/@') ? 3 : 2).join('/')
      : path.split('/').slice(0, path.startsWith('dist/engine/') ? 3 : 2).join('/');
    group.set(g, (group.get(g) ?? 0) + count);
  }
  // Samples are taken every INTERVAL_US of wall time on the main thread.
  const perRequest = (v) => ((v * INTERVAL_US) / requests).toFixed(1).padStart(7);
  const fmt = (m) => [...m].filter(([k]) => !FILTER || k.includes(FILTER)).sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}% ${perRequest(v)} µs/req  ${k}`).join('\n');
  const busy = total - (self.get('(idle) ') ?? 0);
  return `samples: ${total}, busy ${busy} (${((busy * INTERVAL_US) / requests).toFixed(0)} µs CPU per request)\n\nself time by module\n${fmt(group)}\n\ntop self time\n${fmt(self)}\n\ntop inclusive time\n${fmt(inclusive)}`;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-profile-'));
  const provider = await start([join(here, 'provider.js')]);
  try {
    const runtime = await start([...(PROFILE ? ['--cpu-prof', `--cpu-prof-interval=${INTERVAL_US}`, '--cpu-prof-dir', dir] : []), join(here, 'target.js'), process.env.PROFILE_MODE ?? 'runtime', provider.info.url]);
    await loadFrom(runtime.info, 2);
    const cpuBefore = cpuSeconds(runtime.child.pid);
    const result = await loadFrom(runtime.info, SECONDS);
    const cpu = cpuSeconds(runtime.child.pid) - cpuBefore;
    await exited(runtime.child, 'SIGTERM');
    process.stdout.write(`load: ${JSON.stringify(result)}\nserver CPU during the measured run: ${cpu.toFixed(2)} s = ${((cpu * 1e6) / result.total).toFixed(0)} µs per request${PROFILE ? ' (profiler on)' : ''}\n`);
    if (!PROFILE) return;
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('no .cpuprofile written');
    process.stdout.write(`${summarise(JSON.parse(readFileSync(join(dir, file), 'utf8')), result.total)}\n`);
  } finally {
    await exited(provider.child, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

#!/usr/bin/env node
/**
 * Benchmark harness: `npm run bench` runs every bench/<name>/index.js, `npm run bench -- <name…>`
 * only those. A benchmark is plain ESM importing the built engine from dist/ and exports
 *
 *   export const title = 'Manifest validation';
 *   export async function run(): Promise<Array<{ metric, value, unit, target?, pass? }>>
 *
 * `target` is shown as written (e.g. '< 2000 ms'); `pass` (boolean) says whether it was met.
 * The harness prints one table and exits 1 when any target was missed.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cpus, loadavg } from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);

if (!existsSync(join(root, 'dist/engine'))) {
  process.stderr.write('bench: dist/ is missing; run `npm run build` first\n');
  process.exit(2);
}

const available = readdirSync(here, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(here, e.name, 'index.js')))
  .map((e) => e.name)
  .sort();
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!available.includes(name)) {
    process.stderr.write(`bench: unknown benchmark "${name}"; available: ${available.join(', ')}\n`);
    process.exit(2);
  }
}
const selected = wanted.length ? wanted : available;

// Shared machines make timings noisy: the load before and after goes into the report.
const loadBefore = loadavg()[0];
const rows = [];
let missed = 0;
for (const name of selected) {
  const mod = await import(pathToFileURL(join(here, name, 'index.js')).href);
  process.stderr.write(`running ${name}${mod.title ? ` (${mod.title})` : ''}…\n`);
  const started = performance.now();
  const results = await mod.run();
  process.stderr.write(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  for (const r of results) {
    if (r.pass === false) missed++;
    rows.push([
      name,
      r.metric,
      `${formatValue(r.value)}${r.unit ? ` ${r.unit}` : ''}`,
      r.target ?? '',
      r.pass === undefined ? '' : r.pass ? 'ok' : 'MISSED',
    ]);
  }
}

const load = `load average (1 min) ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`;
process.stdout.write(`\nNode ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}), ${load}\n\n`);
process.stdout.write(`${table(['benchmark', 'metric', 'value', 'target', 'status'], rows)}\n`);
if (missed) {
  process.stdout.write(`\n${missed} target${missed === 1 ? '' : 's'} missed\n`);
  process.exitCode = 1;
}

function formatValue(v) {
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function table(header, body) {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

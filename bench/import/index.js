/**
 * Cold import of the package entry against the engine alone: `import('patchbay')` in a fresh
 * process, against importing only the module that defines createEngine (manifests, the HTTP
 * pipeline, the operations). The entry must not drag in the HTTP server or the database
 * drivers. Target: within 1.2× of the engine alone (medians of alternating runs).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const title = 'Cold import of the package entry';

const RUNS = 15;

function coldMs(specifier) {
  const script = `const t = performance.now(); await import(${JSON.stringify(specifier)}); process.stdout.write(String(performance.now() - t));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`import ${specifier} failed: ${r.stderr}`);
  return Number(r.stdout);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run() {
  const engineAlone = pathToFileURL(join(root, 'dist/engine/run/engine.js')).href;
  const entries = { 'patchbay (entry)': 'patchbay', 'engine alone': engineAlone, 'patchbay/runtime': 'patchbay/runtime' };
  const times = Object.fromEntries(Object.keys(entries).map((k) => [k, []]));
  // Alternate so that a busy neighbour slows every variant alike.
  for (let i = 0; i < RUNS; i++) for (const [name, spec] of Object.entries(entries)) times[name].push(coldMs(spec));
  const entry = median(times['patchbay (entry)']);
  const alone = median(times['engine alone']);
  const runtime = median(times['patchbay/runtime']);
  const ratio = entry / alone;
  return [
    { metric: "import('patchbay') median", value: entry.toFixed(0), unit: 'ms' },
    { metric: 'engine alone median', value: alone.toFixed(0), unit: 'ms' },
    { metric: "import('patchbay/runtime') median", value: runtime.toFixed(0), unit: 'ms' },
    { metric: 'entry / engine alone', value: ratio.toFixed(2), unit: '×', target: '≤ 1.2', pass: ratio <= 1.2 },
  ];
}

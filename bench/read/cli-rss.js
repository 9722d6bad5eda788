/**
 * Runs `patchbay read` as a user would (NDJSON on stdout, discarded) and reports its peak
 * RSS, which only the parent of a process can read after it exits (`/usr/bin/time` is not
 * always installed), so this wrapper counts lines and reads RUSAGE_CHILDREN.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { mkdtempSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

const [baseUrl, expected] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'pb-bench-'));
mkdirSync(join(dir, 'benchapi'));
copyFileSync(join(here, 'connector.yaml'), join(dir, 'benchapi', 'connector.yaml'));

const started = performance.now();
const child = spawn(process.execPath, [join(root, 'bin/patchbay.js'), 'read', 'benchapi', 'issues', '--connectors', dir,
  '--credentials', '{"token":"t"}', '--base-url', baseUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
let lines = 0;
let err = '';
child.stdout.on('data', (d) => { for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines++; });
child.stderr.on('data', (d) => { err += d; });
child.on('close', (code) => {
  const ms = performance.now() - started;
  if (code !== 0) { process.stderr.write(err); process.exit(1); }
  if (lines !== Number(expected)) { process.stderr.write(`read ${lines} lines, expected ${expected}\n`); process.exit(1); }
  process.stdout.write(JSON.stringify({ records: lines, ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
});

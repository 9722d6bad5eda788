/**
 * Runs `patchbay read` as a user would (NDJSON on stdout, discarded) and reports the CLI
 * process's own peak RSS. A process's resource usage only covers itself, so the child is
 * watched from outside: on Linux its `VmHWM` (peak resident set) is read from
 * /proc/<pid>/status every 50 ms and the largest value seen is reported; elsewhere `ps`
 * samples its current RSS; where neither works the figure is null rather than a wrong one.
 */
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { mkdtempSync, mkdirSync, copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

const [baseUrl, expected] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'pb-bench-'));
mkdirSync(join(dir, 'benchapi'));
copyFileSync(join(here, 'connector.yaml'), join(dir, 'benchapi', 'connector.yaml'));

/** Peak RSS in kB from /proc (Linux), or undefined when /proc cannot tell. */
function procPeakKb(pid) {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Current RSS in kB from `ps` (macOS, BSDs), or undefined. */
function psRssKb(pid) {
  return new Promise((resolve) => {
    execFile('ps', ['-o', 'rss=', '-p', String(pid)], (err, out) => {
      const kb = Number(String(out).trim());
      resolve(err || !Number.isFinite(kb) || kb <= 0 ? undefined : kb);
    });
  });
}

function watchRss(pid) {
  let maxKb;
  const note = (kb) => { if (kb !== undefined && (maxKb === undefined || kb > maxKb)) maxKb = kb; };
  const useProc = procPeakKb(pid) !== undefined;
  let polling = false;
  const timer = setInterval(async () => {
    if (useProc) return note(procPeakKb(pid));
    if (polling) return;
    polling = true;
    note(await psRssKb(pid));
    polling = false;
  }, 50);
  return {
    /** Stops polling. VmHWM only grows, so the last reading taken while the child ran is its peak to within 50 ms. */
    stop() {
      if (useProc) note(procPeakKb(pid));
      clearInterval(timer);
      return maxKb === undefined ? null : maxKb / 1024;
    },
  };
}

const started = performance.now();
const child = spawn(process.execPath, [join(root, 'bin/patchbay.js'), 'read', 'benchapi', 'issues', '--connectors', dir,
  '--credentials', '{"token":"t"}', '--base-url', baseUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
const rss = watchRss(child.pid);
let lines = 0;
let err = '';
child.stdout.on('data', (d) => { for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines++; });
child.stderr.on('data', (d) => { err += d; });
child.on('close', (code) => {
  const ms = performance.now() - started;
  const maxRssMb = rss.stop();
  if (code !== 0) { process.stderr.write(err); process.exit(1); }
  if (lines !== Number(expected)) { process.stderr.write(`read ${lines} lines, expected ${expected}\n`); process.exit(1); }
  process.stdout.write(JSON.stringify({ records: lines, ms, maxRssMb }) + '\n');
});

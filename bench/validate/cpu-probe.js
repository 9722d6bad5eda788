/**
 * Preloaded (`node --import`) into the processes the cold-start benchmark spawns: on exit it
 * writes the process's own CPU time (user + system, ms) to $PATCHBAY_BENCH_CPU_FILE. CPU time
 * barely moves with the load other jobs put on a shared machine, unlike wall time.
 */
import { writeFileSync } from 'node:fs';

const out = process.env.PATCHBAY_BENCH_CPU_FILE;
if (out) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    writeFileSync(out, String((user + system) / 1000));
  });
}

/** Child engine processes (running the built dist/) for the crash and concurrency tests. */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { FIXTURES } from './helpers.js';

export function forkChild(script: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  return fork(path.join(FIXTURES, script), args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

export function collect(child: ChildProcess): { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  return { out: () => out, err: () => err };
}

export function message(child: ChildProcess, expected: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if (m === expected) {
        child.off('exit', onExit);
        child.off('message', onMessage);
        resolve();
      }
    };
    const onExit = (code: number | null) => reject(new Error(`child exited (${code}) before sending ${expected}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** `patchbay serve` from the built dist/ as a child process, for tests of what it prints and how it reacts to signals. */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from '../cli/helpers.js';

export interface ServeProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** Resolves with the base URL from the start banner; rejects when the process ends first. */
  started: Promise<string>;
  stop(): Promise<number | null>;
}

/** The environment of the test run minus Patchbay's own settings, plus `extra`. */
export function serveEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of Object.keys(env)) if (k.startsWith('PATCHBAY_') && k !== 'PATCHBAY_TEST_PG_URL') delete env[k];
  delete env.PORT;
  return { ...env, ...extra };
}

export function spawnServe(args: string[], opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): ServeProcess {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { cwd: opts.cwd, env: serveEnv(opts.env) });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (err += c));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const started = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${err}`)), opts.timeoutMs ?? 60_000);
    const look = () => {
      const m = /patchbay: serving \d+ connector\(s\) on (http:\/\/[^\s]+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        child.stderr!.off('data', look);
        // The signal handlers are installed just after the banner; one answered request
        // proves the process got there, so a SIGTERM from stop() is handled, not fatal.
        fetch(`${m[1]}/healthz`).then(() => resolve(m[1]), reject);
      }
    };
    child.stderr!.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code}) before starting:\n${err}`));
    });
  });
  started.catch(() => undefined);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    started,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

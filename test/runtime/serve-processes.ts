/** `patchbay serve` processes (the built bin/) on a shared database, for the multi-process suites. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { BIN } from '../cli/helpers.js';
import { KEY_A } from '../store/databases.js';

export const ADMIN = 'admin-key-for-multi-process-tests-0123456789';

export interface Serve {
  url: string;
  child: ChildProcess;
  stderr: () => string;
}

export function serveEnv(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', PATCHBAY_SECRET_KEYS: KEY_A, PATCHBAY_ADMIN_KEY: ADMIN, PATCHBAY_ALLOW_PRIVATE_NETWORKS: '1', PATCHBAY_ALLOW_HTTP_HOSTS: '127.0.0.1' };
  for (const k of ['PATCHBAY_DATABASE_URL', 'PORT', 'PATCHBAY_PUBLIC_URL']) delete e[k];
  return e;
}

export function serve(connectors: string, db: string, extra: string[] = []): Promise<Serve> {
  const child = spawn(process.execPath, [BIN, '--connectors', connectors, 'serve', '--db', db, '--port', '0', ...extra], { env: serveEnv() });
  let stderr = '';
  child.stdout!.resume();
  child.stderr!.on('data', (c) => { stderr += c; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 60_000);
    child.stderr!.on('data', () => {
      const m = /serving \d+ connector\(s\) on (http:\/\/[^\s]+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], child, stderr: () => stderr });
      }
    });
    child.once('exit', () => reject(new Error(`server exited:\n${stderr}`)));
  });
}

/** SIGTERM and wait; resolves with the exit code. */
export async function stop(s: Serve | undefined): Promise<number | null> {
  if (!s) return null;
  if (s.child.exitCode !== null) return s.child.exitCode;
  const exited = new Promise<number | null>((r) => s.child.once('exit', (code) => r(code)));
  s.child.kill('SIGTERM');
  return exited;
}

export async function call(base: string, method: string, p: string, opts: { key?: string; body?: unknown; tenant?: string } = {}): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${opts.key ?? ADMIN}` };
  if (opts.tenant) headers['x-patchbay-tenant'] = opts.tenant;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${p}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain text (a handshake reply)
  }
  return { status: res.status, body };
}

/** The CLI against `db`, with `input` on stdin. */
export function cli(args: string[], db: string, connectors: string, input?: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, '--connectors', connectors, ...args, '--db', db], { env: serveEnv() }, (err, _out, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stderr });
    });
    child.stdin!.end(input ?? '');
  });
}

/**
 * The built CLI: `patchbay keys` creates (prints once), lists (never the key) and revokes
 * keys; `patchbay serve` as `npm start` runs it — no configuration, SQLite in the current
 * directory, the shipped connectors — creates an admin key on first run, serves, and stops
 * cleanly on SIGTERM.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../cli/helpers.js';
import { SHIPPED_IDS } from './helpers.js';

interface Result { code: number; stdout: string; stderr: string }

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  for (const k of ['PATCHBAY_SECRET_KEYS', 'PATCHBAY_DATABASE_URL', 'PATCHBAY_ADMIN_KEY', 'PORT']) if (!(k in extra)) delete env[k];
  return env;
}

function cli(args: string[], cwd: string): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: cleanEnv() }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

describe('CLI: keys and serve', () => {
  let dir: string;

  beforeAll(async () => {
    await ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-serve-cli-'));
  }, 300_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates a key once, lists it without the key, and revokes it', async () => {
    const made = await cli(['keys', 'create', '--tenant', 'acme', '--name', 'ci'], dir);
    expect(made.code, made.stderr).toBe(0);
    const key = made.stdout.trim();
    expect(key).toMatch(/^pbk_[A-Za-z0-9_-]{59}$/);
    expect(made.stderr).toMatch(/only time it is shown/);

    const listed = await cli(['keys', 'list', '--json'], dir);
    const page = JSON.parse(listed.stdout);
    expect(page).toMatchObject({ next_cursor: null, has_more: false });
    const keys = page.keys;
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ tenant: 'acme', name: 'ci', admin: false, prefix: key.slice(0, 12) });
    expect(listed.stdout).not.toContain(key);
    const table = await cli(['keys', 'list'], dir);
    expect(table.stdout).toMatch(/acme\s+ci/);
    expect(table.stdout).not.toContain(key);

    expect((await cli(['keys', 'revoke', keys[0].id], dir)).code).toBe(0);
    expect(JSON.parse((await cli(['keys', 'list', '--json'], dir)).stdout).keys[0].revoked_at).toBeTruthy();
    expect((await cli(['keys', 'revoke', keys[0].id], dir)).code).toBe(1);
    expect((await cli(['keys', 'create'], dir)).code).toBe(2);
    expect((await cli(['keys', 'create', '--tenant', 'bad tenant'], dir)).code).toBe(1);
  });

  it('serves like `npm start` on first run, then stops on SIGTERM', async () => {
    const fresh = mkdtempSync(path.join(tmpdir(), 'patchbay-npm-start-'));
    const child = spawn(process.execPath, [BIN, 'serve'], { cwd: fresh, env: cleanEnv({ PORT: '0' }) });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (c) => { stderr += c; });
    child.stdout.on('data', (c) => { stdout += c; });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 60_000);
        const look = () => {
          const m = new RegExp(`serving ${SHIPPED_IDS.length} connector\\(s\\) on (http://[^\\s]+)`).exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        };
        child.stderr.on('data', look);
        child.once('exit', () => reject(new Error(`server exited:\n${stderr}`)));
      });
      const keyFile = path.join(fresh, '.patchbay', 'admin.key');
      expect(stderr).toContain(`saved (mode 0600) in ${keyFile}`);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const admin = readFileSync(keyFile, 'utf8').trim();

      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const connectors = await fetch(`${url}/v1/connectors`, { headers: { authorization: `Bearer ${admin}` } });
      expect(connectors.status).toBe(200);

      // A key made by the CLI against the same database works on the running server.
      const made = await cli(['keys', 'create', '--tenant', 'acme'], fresh);
      const res = await fetch(`${url}/v1/connections`, { headers: { authorization: `Bearer ${made.stdout.trim()}` } });
      expect(await res.json()).toEqual({ connections: [], next_cursor: null, has_more: false });

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/SIGTERM: shutting down[\s\S]*stopped/);
      const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.some((l) => l.msg === 'request' && l.route === '/v1/connections' && l.tenant === 'acme' && l.status === 200)).toBe(true);
      expect(stdout).not.toContain(admin);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(fresh, { recursive: true, force: true });
    }
  }, 120_000);
});

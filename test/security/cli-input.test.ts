/**
 * The built CLI under the same hostile input as the runtime (issue 10, items 7, 9, 10):
 * `connect --base-url` stores an override the operator's CLI honours, bad `--after` and
 * `--since` cursors are usage errors naming the flag, and built-in JavaScript names are
 * unknown actions and streams for `call`, `read` and `sync`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../cli/helpers.js';
import { startFakeStripe, type FakeStripe } from '../runtime/fake-stripe.js';

interface Result { code: number; stdout: string; stderr: string }

describe('CLI: base URL, cursors and built-in names', () => {
  let dir: string;
  let stripe: FakeStripe;
  let connId: string;
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.PATCHBAY_SECRET_KEYS;
  const cli = (args: string[]): Promise<Result> => new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, env }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
  const creds = JSON.stringify({ api_key: 'sk_test_good123' });

  beforeAll(async () => {
    await ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-sec-cli-'));
    env.PATCHBAY_DATABASE_URL = `sqlite:${path.join(dir, 'cli.db')}`;
    stripe = await startFakeStripe({ customers: 7 });
  }, 300_000);
  afterAll(async () => {
    await stripe?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('connect --base-url runs the check against that URL and stores the override; sync uses it', async () => {
    const bad = await cli(['connect', 'stripe', '--tenant', 'acme', '--name', 'x', '--credentials', creds, '--base-url', 'not a url']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--base-url must be an http\(s\) URL/);

    const before = stripe.seen.length;
    const made = await cli(['connect', 'stripe', '--tenant', 'acme', '--name', 'main', '--credentials', creds, '--base-url', stripe.url]);
    expect(made.code, made.stderr).toBe(0);
    const conn = JSON.parse(made.stdout);
    connId = conn.id;
    // The override is shown as `base_url`, as over HTTP; the setting it is kept in never is.
    expect(conn).toMatchObject({ base_url: stripe.url, base_url_status: 'applied', settings: {} });
    expect(stripe.seen.slice(before).map((r) => r.path)).toContain('/v1/account');

    const synced = await cli(['sync', connId, 'customers']);
    expect(synced.code, synced.stderr).toBe(0);
    expect(JSON.parse(synced.stdout)).toMatchObject({ status: 'success', records: { written: 7 } });
  });

  it.each([['--cursor', 'abc'], ['--cursor', '-1'], ['--cursor', '1e3'], ['--since', 'abc'], ['--since', '99999999999999999999']])(
    'records %s %s is a usage error naming the flag',
    async (flag, value) => {
      const args = ['records', connId, 'customers', flag, value];
      if (flag === '--since') args.push('--changes');
      const res = await cli(args);
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toContain(`${flag} "${value}" is not a cursor`);
      expect(res.stdout).toBe('');
    },
  );

  it('records --changes --since past the end of the feed fails rather than skipping', async () => {
    const res = await cli(['records', connId, 'customers', '--changes', '--since', '5000']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--since "5000" is past the end of this change feed/);
    const ok = await cli(['records', connId, 'customers', '--changes', '--since', '0', '--limit', '2']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).changes).toHaveLength(2);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('%s is an unknown action and stream for call, read and sync', async (name) => {
    const before = stripe.seen.length;
    const call = await cli(['call', 'stripe', name, '--credentials', creds, '--base-url', stripe.url]);
    expect(call.code).not.toBe(0);
    expect(call.stderr).toContain(`Unknown action "${name}"`);
    const read = await cli(['read', 'stripe', name, '--credentials', creds, '--base-url', stripe.url]);
    expect(read.code).not.toBe(0);
    expect(read.stderr).toContain(`Unknown stream "${name}"`);
    const sync = await cli(['sync', connId, name]);
    expect(sync.code).toBe(1);
    expect(sync.stderr).toContain(`has no stream "${name}"`);
    expect(stripe.seen.length).toBe(before);
  });
});

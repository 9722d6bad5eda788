import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureBuilt, BIN } from '../cli/helpers.js';
import { databaseKinds, type TestDatabase, KEY_A, KEY_B } from '../store/databases.js';
import { startFakeApi, type FakeApi } from './fake-api.js';
import { CONNECTORS } from './helpers.js';

interface Result { code: number; stdout: string; stderr: string }

function cli(args: string[], env: Record<string, string | undefined>, cwd: string): Promise<Result> {
  const base = { ...process.env };
  delete base.PATCHBAY_SECRET_KEYS;
  delete base.PATCHBAY_DATABASE_URL;
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, '--connectors', CONNECTORS, ...args], { cwd, env: { ...base, NO_COLOR: '1', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`CLI over ${kind.dialect}`, () => {
    let db: TestDatabase;
    let api: FakeApi;
    let cwd: string;
    const env: Record<string, string> = {};

    beforeAll(async () => {
      await ensureBuilt();
      db = await kind.create('cli');
      api = await startFakeApi();
      // Never the repository: the test writes a credentials file and a key folder here.
      cwd = db.dir ?? mkdtempSync(path.join(tmpdir(), 'patchbay-sync-cli-'));
      env.PATCHBAY_DATABASE_URL = db.url;
      // A server database needs configured keys; SQLite falls back to a local key file.
      if (kind.dialect === 'postgres') env.PATCHBAY_SECRET_KEYS = KEY_A;
    }, 180_000);
    afterAll(async () => {
      await api?.close();
      await db?.cleanup();
      if (cwd && !db?.dir) rmSync(cwd, { recursive: true, force: true });
    });

    it('connects, survives a restart with sealed secrets, syncs and shows runs, records and changes', async () => {
      const credsFile = path.join(cwd, 'creds.json');
      writeFileSync(credsFile, JSON.stringify({ token: api.token }));
      const bad = await cli(['connect', 'fakeapi', '--tenant', 'acme', '--name', 'bad', '--config', JSON.stringify({ base_url: api.url }), '--credentials', '{"token":"wrong-token-xyz"}'], env, cwd);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/error \[auth\]/);
      expect(bad.stderr + bad.stdout).not.toContain('wrong-token-xyz');
      if (kind.dialect === 'sqlite') {
        expect(bad.stderr).toMatch(/WARNING: no PATCHBAY_SECRET_KEYS set; created a local secret key/);
        expect(existsSync(path.join(cwd, '.patchbay', 'secret.key'))).toBe(true);
      }

      const made = await cli(['connect', 'fakeapi', '--tenant', 'acme', '--name', 'main', '--config', JSON.stringify({ base_url: api.url }), '--credentials', `@${credsFile}`], env, cwd);
      expect(made.code, made.stderr).toBe(0);
      const conn = JSON.parse(made.stdout);
      expect(conn).toMatchObject({ tenant: 'acme', name: 'main', status: 'active', credential_fields: ['token'] });
      expect(made.stdout).not.toContain(api.token);
      expect(made.stderr).not.toMatch(/WARNING/);

      // A new process (a restart) lists it, without a secret and without a second warning.
      const listed = await cli(['connections', '--json'], env, cwd);
      expect(listed.code, listed.stderr).toBe(0);
      expect(JSON.parse(listed.stdout)).toEqual({ connections: [conn], next_cursor: null, has_more: false });
      expect(listed.stderr).not.toMatch(/WARNING/);
      const text = await cli(['connections', '--tenant', 'acme'], env, cwd);
      expect(text.stdout).toMatch(new RegExp(`${conn.id}\\s+acme\\s+fakeapi\\s+main\\s+active\\s+token`));

      const synced = await cli(['sync', conn.id, 'items'], env, cwd);
      expect(synced.code, synced.stderr).toBe(0);
      expect(synced.stderr).toMatch(/sync items: page 1, 10 read, 10 written, 0 unchanged/);
      expect(synced.stderr).toMatch(/sync items: success/);
      const run = JSON.parse(synced.stdout);
      expect(run).toMatchObject({ status: 'success', trigger: 'manual', records: { read: 50, written: 50 } });

      const runs = await cli(['runs', '--connection', conn.id], env, cwd);
      expect(runs.stdout).toMatch(new RegExp(`${run.id}\\s+${conn.id}\\s+items\\s+manual\\s+success`));
      // What the next sync resumes from, as GET …/streams/items/state answers it.
      const state = JSON.parse((await cli(['state', conn.id, 'items'], env, cwd)).stdout);
      expect(state).toEqual({ stream: 'items', state: { cursor: api.items.at(-1)!.updated_at }, updated_at: expect.any(String) });
      const unknownStream = await cli(['state', conn.id, 'itemz'], env, cwd);
      expect(unknownStream.code).toBe(1);
      expect(unknownStream.stderr).toMatch(/connector fakeapi has no stream "itemz" \(streams: items, users\)/);
      const recs = JSON.parse((await cli(['records', conn.id, 'items', '--limit', '2'], env, cwd)).stdout);
      expect(recs.records.map((r: { id: string }) => r.id)).toEqual(['1', '2']);
      // The deprecated --since still takes a plain change sequence; the cursor it hands back is opaque.
      const changes = JSON.parse((await cli(['records', conn.id, 'items', '--changes', '--since', '48'], env, cwd)).stdout);
      expect(changes).toMatchObject({ next_cursor: expect.any(String), has_more: false });
      expect(changes.changes.map((c: { id: string; action: string }) => [c.id, c.action])).toEqual([['49', 'added'], ['50', 'added']]);
      const none = JSON.parse((await cli(['records', conn.id, 'items', '--changes', '--cursor', changes.next_cursor], env, cwd)).stdout);
      expect(none).toEqual({ changes: [], next_cursor: changes.next_cursor, has_more: false });
      expect((await cli(['records', conn.id, 'items', '--since', '3'], env, cwd)).code).toBe(2);
      const missing = await cli(['sync', 'conn_nope', 'items'], env, cwd);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/error \[not_found\] no connection with id "conn_nope"/);

      if (kind.dialect === 'sqlite') {
        const file = db.url.slice('sqlite:'.length);
        const bytes = Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f))).toString('latin1');
        expect(bytes).toContain(api.url);
        expect(bytes).not.toContain(api.token);
      }
    }, 180_000);

    it('rotates secrets to a new key, after which the old key is no longer needed', async () => {
      const old = kind.dialect === 'sqlite' ? readFileSync(path.join(cwd, '.patchbay', 'secret.key'), 'utf8').trim() : KEY_A;
      const both = { ...env, PATCHBAY_SECRET_KEYS: `${KEY_B},${old}` };
      const rotated = await cli(['secrets', 'rotate', '--batch', '1'], both, cwd);
      expect(rotated.code, rotated.stderr).toBe(0);
      expect(JSON.parse(rotated.stdout)).toMatchObject({ keyId: 'kb', resealed: 1, failed: [] });
      expect(rotated.stderr).toMatch(/rotate: connections\.credentials: 1 re-sealed/);
      const onlyNew = { ...env, PATCHBAY_SECRET_KEYS: KEY_B };
      const [conn] = JSON.parse((await cli(['connections', '--json'], onlyNew, cwd)).stdout).connections;
      const synced = await cli(['sync', conn.id, 'items'], onlyNew, cwd);
      expect(synced.code, synced.stderr).toBe(0);
      expect(JSON.parse(synced.stdout).records).toMatchObject({ written: 0, unchanged: 1 });
    }, 120_000);
  });
}

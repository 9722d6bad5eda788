/**
 * Issue 10 item 6: rotating the key file while `serve` runs answered 422 ("sealed under key
 * k2, which is not in the key ring") until a restart, and new rows kept being sealed under the
 * retiring key. The process test follows docs/storage.md's steps against the built
 * `patchbay serve`; the ring tests pin the reload rules; the rotate tests cover a value moved
 * from another row, which rotate counted as "already current".
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatform, type Platform } from '../../engine/platform/platform.js';
import { createVault, keySource, liveKeyRing, makeKeyRing, parseKeyList, rotateSecrets, type KeyRingReload, type KeySource } from '../../engine/platform/secrets/index.js';
import { ConnectionsRepo, newId, openStore, sealContext } from '../../engine/platform/store/index.js';
import { BIN, ensureBuilt } from '../cli/helpers.js';
import { SHIPPED_CONNECTORS } from '../runtime/helpers.js';
import { startFakeStripe, type FakeStripe } from '../runtime/fake-stripe.js';
import { KEY_A, KEY_B } from '../store/databases.js';
import { serveEnv, spawnServe, type ServeProcess } from './serve-process.js';
import { SealedValuesRepo } from '../../engine/platform/store/sealed-values.js';

const newKey = (kid: string) => `${kid}:${randomBytes(32).toString('base64')}`;
const material = (entry: string) => entry.slice(entry.indexOf(':') + 1);

/** docs/storage.md's step: write beside the file, then rename over it, then chmod. */
function replaceKeyFile(file: string, text: string): void {
  writeFileSync(`${file}.new`, text);
  renameSync(`${file}.new`, file);
  chmodSync(file, 0o600);
}

function cli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: serveEnv(env) }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

async function until<T>(fn: () => T | undefined, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('the live key ring', () => {
  const listSource = (env: NodeJS.ProcessEnv, reads: { n: number }): KeySource => {
    const inner = keySource({ env });
    return { name: inner.name, read: () => (reads.n++, inner.read()) };
  };

  it('re-reads on an unknown key id, at most once per interval, then seals under the new first key', () => {
    const env: NodeJS.ProcessEnv = { PATCHBAY_SECRET_KEYS: KEY_A };
    const reads = { n: 0 };
    let t = 0;
    const vault = createVault(liveKeyRing(listSource(env, reads), { now: () => t }));
    const fromOther = createVault(makeKeyRing(parseKeyList(KEY_B))).seal('sealed elsewhere', 'ctx');
    expect(vault.seal('x', 'ctx')).toMatch(/^pbv1\.ka\./);

    env.PATCHBAY_SECRET_KEYS = `${KEY_B},${KEY_A}`;
    // Just read at start: an unknown id within the interval does not read again.
    expect(() => vault.open(fromOther, 'ctx')).toThrow(/key "kb", which is not in the key ring \(known: ka\)/);
    expect(reads.n).toBe(1);
    t = 1000;
    for (let i = 0; i < 5; i++) expect(vault.open(fromOther, 'ctx')).toBe('sealed elsewhere');
    expect(reads.n).toBe(2);
    expect(vault.currentKeyId).toBe('kb');
    expect(vault.seal('y', 'ctx')).toMatch(/^pbv1\.kb\./);

    // An id that really is gone costs one read per interval, however many openers ask.
    const gone = createVault(makeKeyRing(parseKeyList(newKey('kx')))).seal('z', 'ctx');
    t = 2000;
    for (let i = 0; i < 20; i++) expect(() => vault.open(gone, 'ctx')).toThrow(/not in the key ring/);
    expect(reads.n).toBe(3);
  });

  it('follows a key file before every seal, keeps the old keys when the file breaks, and never recreates it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-live-ring-'));
    try {
      const db = path.join(dir, 'x.db');
      const k1 = newKey('k1');
      const k2 = newKey('k2');
      mkdirSync(path.join(dir, '.patchbay'), { mode: 0o700 });
      const file = path.join(dir, '.patchbay', 'secret.key');
      writeFileSync(file, `${k1}\n`, { mode: 0o600 });
      const told: KeyRingReload[] = [];
      const vault = createVault(liveKeyRing(keySource({ sqliteFile: db, env: {} }), { onReload: (r) => told.push(r) }));
      const before = vault.seal('a', 'ctx');
      expect(vault.keyIdOf(before)).toBe('k1');

      replaceKeyFile(file, `${k2}\n${k1}\n`);
      expect(vault.keyIdOf(vault.seal('b', 'ctx'))).toBe('k2');
      expect(vault.open(before, 'ctx')).toBe('a');
      expect(told).toEqual([expect.objectContaining({ ok: true, cause: 'changed', keys: 2, currentKeyId: 'k2', changed: true })]);

      replaceKeyFile(file, 'k3:not-a-key\n');
      for (let i = 0; i < 3; i++) expect(vault.keyIdOf(vault.seal('c', 'ctx'))).toBe('k2');
      expect(told).toHaveLength(2);
      expect(told[1]).toMatchObject({ ok: false, cause: 'changed', keys: 2, currentKeyId: 'k2' });
      expect(told[1].error).toMatch(/secret\.key key "k3" must be 32 bytes/);

      unlinkSync(file);
      expect(vault.keyIdOf(vault.seal('d', 'ctx'))).toBe('k2');
      expect(existsSync(file)).toBe(false);
      expect(told[2]).toMatchObject({ ok: false, error: expect.stringMatching(/cannot read the key file .*secret\.key \(ENOENT\)/) });

      replaceKeyFile(file, `${k2}\n`);
      expect(vault.keyIdOf(vault.seal('e', 'ctx'))).toBe('k2');
      expect(told[3]).toMatchObject({ ok: true, keys: 1, changed: true });
      expect(JSON.stringify(told)).not.toContain(material(k1));
      expect(JSON.stringify(told)).not.toContain(material(k2));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('PATCHBAY_SECRET_KEYS_FILE', () => {
  it('is read for any database, left with its mode, and refused beside PATCHBAY_SECRET_KEYS', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-keys-file-'));
    try {
      const file = path.join(dir, 'keys');
      writeFileSync(file, `${KEY_B}\n${KEY_A}\n`, { mode: 0o640 });
      const source = keySource({ env: { PATCHBAY_SECRET_KEYS_FILE: file } });
      expect(source.name).toBe(file);
      expect(source.read().ids()).toEqual(['kb', 'ka']);
      expect(statSync(file).mode & 0o777).toBe(0o640);
      expect(() => keySource({ env: { PATCHBAY_SECRET_KEYS_FILE: file, PATCHBAY_SECRET_KEYS: KEY_A } })).toThrow(/not both/);
      expect(() => keySource({ env: {} })).toThrow(/PATCHBAY_SECRET_KEYS is required with a PostgreSQL store .*or PATCHBAY_SECRET_KEYS_FILE/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('patchbay serve follows the key file without a restart (docs/storage.md)', () => {
  let dir: string;
  let db: string;
  let keyFile: string;
  let stripe: FakeStripe;
  let serve: ServeProcess;
  let url: string;
  const admin = `pbk_${randomBytes(30).toString('hex')}`;
  const k1 = newKey('k1');
  const k2 = newKey('k2');
  const k3 = newKey('k3');
  const saved = { keys: process.env.PATCHBAY_SECRET_KEYS, file: process.env.PATCHBAY_SECRET_KEYS_FILE };

  const api = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${url}${route}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, 'x-patchbay-tenant': 'acme', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
  };
  const connect = async (name: string) => {
    const res = await api('POST', '/v1/connections', { connector: 'stripe', name, credentials: { api_key: 'sk_test_good123' }, base_url: stripe.url });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const getCustomer = (id: string) => api('POST', `/v1/connections/${id}/actions/get_customer`, { id: 'cus_0001' });
  /** The key id in the stored ciphertext, read by a second process's store. */
  const sealedUnder = async (id: string) => {
    const store = await openStore(db);
    try {
      const [row] = (await store.knex('connections').where({ id }).select('credentials')) as Array<{ credentials: string }>;
      return row.credentials.split('.').slice(0, 2).join('.');
    } finally {
      await store.close();
    }
  };
  const logs = () => serve.stdout().trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
  const ringLogs = () => logs().filter((l) => /^secret key ring reload/.test(l.msg));

  beforeAll(async () => {
    await ensureBuilt();
    delete process.env.PATCHBAY_SECRET_KEYS;
    delete process.env.PATCHBAY_SECRET_KEYS_FILE;
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-key-rotation-'));
    db = `sqlite:${path.join(dir, 'patchbay.db')}`;
    mkdirSync(path.join(dir, '.patchbay'), { mode: 0o700 });
    keyFile = path.join(dir, '.patchbay', 'secret.key');
    writeFileSync(keyFile, `${k1}\n`, { mode: 0o600 });
    stripe = await startFakeStripe();
    serve = spawnServe(['--db', db, '--allow-base-url', '--no-workers'], {
      cwd: dir,
      env: { PATCHBAY_ADMIN_KEY: admin, PATCHBAY_ALLOW_PRIVATE_NETWORKS: 'true', PATCHBAY_ALLOW_HTTP_HOSTS: new URL(stripe.url).host },
    });
    url = await serve.started;
  }, 300_000);
  afterAll(async () => {
    await serve?.stop();
    await stripe?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (saved.keys !== undefined) process.env.PATCHBAY_SECRET_KEYS = saved.keys;
    if (saved.file !== undefined) process.env.PATCHBAY_SECRET_KEYS_FILE = saved.file;
  });

  let first: string;
  let second: string;
  let fromOther: string;

  it('puts a new key first: old rows still open, new rows are sealed under it', async () => {
    first = await connect('first');
    expect(await sealedUnder(first)).toBe('pbv1.k1');

    replaceKeyFile(keyFile, `${k2}\n${readFileSync(keyFile, 'utf8')}`);
    expect((await getCustomer(first)).status).toBe(200);
    second = await connect('second');
    expect(await sealedUnder(second)).toBe('pbv1.k2');
    expect((await getCustomer(second)).status).toBe(200);
    expect(ringLogs()).toContainEqual(expect.objectContaining({ level: 30, source: keyFile, cause: 'changed', keys: 2, currentKeyId: 'k2' }));
  }, 60_000);

  it('opens a row another process sealed under a key it has not read yet', async () => {
    replaceKeyFile(keyFile, `${k3}\n${readFileSync(keyFile, 'utf8')}`);
    const other: Platform = await createPlatform({ database: db, connectors: SHIPPED_CONNECTORS, secretKeysFile: keyFile });
    try {
      const made = await other.connections.create({
        tenant: 'acme', connector: 'stripe', name: 'from-other', credentials: { api_key: 'sk_test_good123' },
        settings: { _patchbay_base_url: stripe.url }, skipCheck: true,
      });
      fromOther = made.id;
    } finally {
      await other.close();
    }
    expect(await sealedUnder(fromOther)).toBe('pbv1.k3');
    const res = await getCustomer(fromOther);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.output.id).toBe('cus_0001');
  }, 60_000);

  it('re-seals with `secrets rotate` beside the running server, drops the old keys, and re-reads on SIGHUP', async () => {
    const rotated = await cli(['secrets', 'rotate', '--db', db], dir);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(JSON.parse(rotated.stdout)).toMatchObject({ keyId: 'k3', resealed: 2, current: 1, failed: [] });
    for (const id of [first, second, fromOther]) expect(await sealedUnder(id)).toBe('pbv1.k3');

    replaceKeyFile(keyFile, `${readFileSync(keyFile, 'utf8').split('\n')[0]}\n`);
    const seen = ringLogs().length;
    serve.child.kill('SIGHUP');
    const line = await until(() => ringLogs().slice(seen).find((l) => l.cause === 'signal'), 'the SIGHUP reload line');
    expect(line).toMatchObject({ msg: 'secret key ring reloaded', source: keyFile, keys: 1, currentKeyId: 'k3' });
    expect(serve.child.exitCode).toBe(null);
    for (const id of [first, second, fromOther]) expect((await getCustomer(id)).status).toBe(200);
  }, 60_000);

  it('keeps serving with the previous keys when the file it re-reads is broken', async () => {
    replaceKeyFile(keyFile, 'k4:this-is-not-32-bytes\n');
    const seen = ringLogs().length;
    serve.child.kill('SIGHUP');
    const line = await until(() => ringLogs().slice(seen).find((l) => l.cause === 'signal'), 'the failed reload line');
    expect(line).toMatchObject({ level: 50, msg: 'secret key ring reload failed; keeping the previous keys', source: keyFile, keys: 1, currentKeyId: 'k3' });
    expect(line.err).toMatch(/key "k4" must be 32 bytes/);

    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await getCustomer(first)).status).toBe(200);
    const third = await connect('third');
    expect(await sealedUnder(third)).toBe('pbv1.k3');
    // One line for the broken file, not one per seal.
    expect(ringLogs().slice(seen)).toHaveLength(1);

    // A vanished file is a failed reload too, and is never replaced by a fresh key.
    unlinkSync(keyFile);
    const fourth = await connect('fourth');
    expect(await sealedUnder(fourth)).toBe('pbv1.k3');
    expect(existsSync(keyFile)).toBe(false);
    expect(ringLogs().slice(seen)[1]).toMatchObject({ level: 50, cause: 'changed', err: expect.stringMatching(/cannot read the key file .*secret\.key \(ENOENT\)/) });
    expect((await getCustomer(third)).status).toBe(200);
    expect(serve.child.exitCode).toBe(null);
  }, 60_000);

  it('stops cleanly and never printed key material', async () => {
    expect(await serve.stop()).toBe(0);
    const out = serve.stdout() + serve.stderr();
    for (const k of [k1, k2, k3]) expect(out).not.toContain(material(k));
  }, 30_000);
});

describe('secrets rotate lists values moved from another row', () => {
  let dir: string;
  let db: string;
  const ids: string[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-rotate-moved-'));
    db = `sqlite:${path.join(dir, 'moved.db')}`;
    const store = await openStore(db);
    try {
      const repo = new ConnectionsRepo(store, createVault(makeKeyRing(parseKeyList(KEY_A))));
      for (const name of ['a', 'b', 'c']) {
        const id = newId('conn');
        ids.push(id);
        await repo.insert(store.scope('acme'), { id, connector: 'stripe', name, config: {}, credentials: { api_key: `sk_${name}` }, status: 'active' });
      }
      // Row a's sealed value, bound to row a, copied over row b's.
      const [a] = (await store.knex('connections').where({ id: ids[0] }).pluck('credentials')) as string[];
      await store.knex('connections').where({ id: ids[1] }).update({ credentials: a });
    } finally {
      await store.close();
    }
  }, 300_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('names the row and the row it is bound to, with the current key and with a new one', async () => {
    const store = await openStore(db);
    try {
      const moved = { table: 'connections', column: 'credentials', id: ids[1], boundTo: { table: 'connections', column: 'credentials', id: ids[0] } };
      const same = await rotateSecrets(new SealedValuesRepo(store), createVault(makeKeyRing(parseKeyList(KEY_A))));
      expect(same).toMatchObject({ keyId: 'ka', resealed: 0, current: 2, failed: [moved] });
      expect(same.failed[0].reason, JSON.stringify(same.failed)).toMatch(/sealed for connections\.credentials of row conn_[\w-]+, not this row/);

      const sealed = (await store.knex('connections').where({ id: ids[1] }).pluck('credentials')) as string[];
      const report = await rotateSecrets(new SealedValuesRepo(store), createVault(makeKeyRing(parseKeyList(`${KEY_B},${KEY_A}`))), { batchSize: 1 });
      expect(report).toMatchObject({ keyId: 'kb', resealed: 2, current: 0, failed: [moved] });
      // Left as it was: rotate never re-binds a value to a row it does not belong to.
      expect(await store.knex('connections').where({ id: ids[1] }).pluck('credentials')).toEqual(sealed);
      // Its origin was re-sealed meanwhile; the moved copy is still traced back to it.
      expect((await rotateSecrets(new SealedValuesRepo(store), createVault(makeKeyRing(parseKeyList(`${KEY_B},${KEY_A}`))))).failed).toEqual([expect.objectContaining(moved)]);
    } finally {
      await store.close();
    }
  });

  it('reports it from the CLI and exits 1', async () => {
    const res = await cli(['secrets', 'rotate', '--db', db], dir, { PATCHBAY_SECRET_KEYS: `${KEY_B},${KEY_A}` });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`rotate: connections.credentials row ${ids[1]}: cannot open (bound to connections row ${ids[0]}); left as it is`);
    expect(res.stderr).toMatch(/rotate: 0 re-sealed, 2 already under key kb, 1 failed/);
    expect(JSON.parse(res.stdout).failed).toEqual([expect.objectContaining({ id: ids[1], boundTo: expect.objectContaining({ id: ids[0] }) })]);
  }, 60_000);
});

// The open path of a moved value names why it fails; sealContext is what binds it.
it('a value sealed for one row does not open for another', () => {
  const vault = createVault(makeKeyRing(parseKeyList(KEY_A)));
  const sealed = vault.seal('v', sealContext('connections', 'credentials', 'conn_a'));
  expect(() => vault.open(sealed, sealContext('connections', 'credentials', 'conn_b'))).toThrow(expect.objectContaining({ code: 'sealed_auth_failed' }));
});

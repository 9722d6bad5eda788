import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStore, ConnectionsRepo, newId, sealContext, SEALED_COLUMNS } from '../../engine/platform/store/index.js';
import { createVault, makeKeyRing, parseKeyList, loadKeyRing, keyFilePath, rotateSecrets } from '../../engine/platform/secrets/index.js';
import { databaseKinds, KEY_A, KEY_B, type TestDatabase } from './databases.js';
import { SealedValuesRepo } from '../../engine/platform/store/sealed-values.js';

const vaultA = createVault(makeKeyRing(parseKeyList(KEY_A)));

describe('vault', () => {
  it('seals with AES-256-GCM under the current key id and opens what it sealed', () => {
    const sealed = vaultA.seal('hunter2-secret', 'ctx');
    expect(sealed).toMatch(/^pbv1\.ka\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(vaultA.seal('hunter2-secret', 'ctx')).not.toBe(sealed);
    expect(vaultA.open(sealed, 'ctx')).toBe('hunter2-secret');
    expect(vaultA.keyIdOf(sealed)).toBe('ka');
    expect(vaultA.openJson(vaultA.sealJson({ a: [1, 'x'] }))).toEqual({ a: [1, 'x'] });
  });

  it('refuses tampered values, other contexts and unknown keys without echoing key material', () => {
    const sealed = vaultA.seal('value', 'row-1');
    const parts = sealed.split('.');
    const flipped = parts[4][0] === 'A' ? 'B' : 'A';
    const tampered = [...parts.slice(0, 4), flipped + parts[4].slice(1)].join('.');
    expect(() => vaultA.open(tampered, 'row-1')).toThrow(/failed authentication/);
    expect(() => vaultA.open(sealed, 'row-2')).toThrow(/failed authentication/);
    const vaultB = createVault(makeKeyRing(parseKeyList(KEY_B)));
    let message = '';
    try {
      vaultB.open(sealed, 'row-1');
    } catch (err) {
      message = (err as Error).message;
      expect(err).toMatchObject({ kind: 'config' });
    }
    expect(message).toMatch(/key "ka", which is not in the key ring \(known: kb\)/);
    expect(message).not.toContain(KEY_B.split(':')[1]);
    expect(() => vaultA.open('plain text')).toThrow(/not a sealed secret/);
  });

  it('parses key lists, rejecting bad entries without quoting them', () => {
    const ring = makeKeyRing(parseKeyList(`${KEY_B}, ${KEY_A}`));
    expect(ring.current.id).toBe('kb');
    expect(ring.ids()).toEqual(['kb', 'ka']);
    const shortKey = Buffer.alloc(16, 7).toString('base64');
    expect(() => parseKeyList(`k1:${shortKey}`)).toThrow(/must be 32 bytes/);
    try {
      parseKeyList(`k1:${shortKey}`);
    } catch (err) {
      expect((err as Error).message).not.toContain(shortKey);
    }
    expect(() => parseKeyList('no-colon-here')).toThrow(/entry 1: expected kid:base64key/);
    expect(() => makeKeyRing(parseKeyList(`${KEY_A},${KEY_A}`))).toThrow(/appears twice/);
  });

  it('creates a private key file beside an SQLite database once, with a warning', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-key-'));
    try {
      const file = path.join(dir, 'x.db');
      const warnings: string[] = [];
      const ring = loadKeyRing({ sqliteFile: file, env: {}, warn: (m) => warnings.push(m) });
      const keyFile = keyFilePath(file);
      expect(keyFile).toBe(path.join(dir, '.patchbay', 'secret.key'));
      expect(existsSync(keyFile)).toBe(true);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(warnings.join('')).toMatch(/WARNING: no PATCHBAY_SECRET_KEYS set; created a local secret key at .*secret\.key/);
      expect(warnings.join('')).not.toContain(readFileSync(keyFile, 'utf8').split(':')[1].trim());
      const again = loadKeyRing({ sqliteFile: file, env: {}, warn: (m) => warnings.push(m) });
      expect(warnings).toHaveLength(1);
      expect(again.current.id).toBe(ring.current.id);
      expect(again.current.key.equals(ring.current.key)).toBe(true);
      // The environment wins over the file.
      expect(loadKeyRing({ sqliteFile: file, env: { PATCHBAY_SECRET_KEYS: KEY_B } }).current.id).toBe('kb');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('requires configured keys for a server database', () => {
    expect(() => loadKeyRing({ env: {} })).toThrow(/PATCHBAY_SECRET_KEYS is required with a PostgreSQL store/);
  });
});

const CANARIES = ['CANARY-api-key-7f3a9', 'CANARY-refresh-token-x81', 'CANARY-client-secret-55q', 'CANARY-webhook-secret-k2'];
const VISIBLE = 'VISIBLE-config-region-9z';

for (const kind of databaseKinds()) {
  describe.skipIf(!kind.available)(`sealed columns on ${kind.dialect}`, () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await kind.create('vault');
    });
    afterAll(async () => db?.cleanup());

    it('rotates every sealed value to the current key in batches, and no dump shows a secret', async () => {
      const store = await openStore(db.url);
      const repo = new ConnectionsRepo(store, vaultA);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const id = newId('conn');
        ids.push(id);
        await repo.insert(store.scope(`tenant-${i % 2}`), {
          id, connector: 'fake', name: `c${i}`, config: { region: VISIBLE },
          credentials: { api_key: CANARIES[0], refresh_token: CANARIES[1] }, status: 'active',
        });
      }
      const appId = newId('app');
      await store.scope('tenant-0').insert('oauth_apps', {
        id: appId, connector: 'fake', client_id: 'cid', created_at: 1, updated_at: 1,
        client_secret: vaultA.seal(CANARIES[2], sealContext('oauth_apps', 'client_secret', appId)),
      });
      const subId = newId('sub');
      await store.scope('tenant-1').insert('subscriptions', {
        id: subId, url: 'http://127.0.0.1/hook', status: 'active', created_at: 1, updated_at: 1,
        secret: vaultA.seal(CANARIES[3], sealContext('subscriptions', 'secret', subId)),
      });

      const ringBA = createVault(makeKeyRing(parseKeyList(`${KEY_B},${KEY_A}`)));
      const progress: number[] = [];
      const report = await rotateSecrets(new SealedValuesRepo(store), ringBA, { batchSize: 2, onProgress: (p) => progress.push(p.resealed) });
      expect(report).toMatchObject({ keyId: 'kb', resealed: 7, current: 0, failed: [] });
      expect(progress.length).toBeGreaterThanOrEqual(5);
      for (const { table, column } of SEALED_COLUMNS) {
        const values = (await store.knex(table).whereNotNull(column).pluck(column)) as string[];
        for (const v of values) expect(v.startsWith('pbv1.kb.')).toBe(true);
      }
      // Running again finds nothing to do; the new key alone opens everything.
      expect(await rotateSecrets(new SealedValuesRepo(store), ringBA)).toMatchObject({ resealed: 0, current: 7 });
      const onlyB = createVault(makeKeyRing(parseKeyList(KEY_B)));
      expect(await new ConnectionsRepo(store, onlyB).getCredentials(store.scope('tenant-0'), ids[0])).toEqual({ api_key: CANARIES[0], refresh_token: CANARIES[1] });

      const dump = await dumpDatabase(store, db);
      await store.close();
      const text = typeof dump === 'string' ? dump : dump.toString('latin1');
      expect(text).toContain(VISIBLE);
      for (const c of CANARIES) expect(text).not.toContain(c);
    });
  });
}

async function dumpDatabase(store: Awaited<ReturnType<typeof openStore>>, db: TestDatabase): Promise<Buffer | string> {
  if (db.dialect === 'sqlite') {
    // The raw bytes of the database and its WAL, before and after a checkpoint.
    const file = store.file!;
    const parts = [file, `${file}-wal`, `${file}-shm`].filter(existsSync).map((f) => readFileSync(f));
    await store.knex.raw('PRAGMA wal_checkpoint(TRUNCATE)');
    parts.push(readFileSync(file));
    return Buffer.concat(parts);
  }
  const tables = (await store.knex('information_schema.tables').where('table_schema', db.schema).pluck('table_name')) as string[];
  expect(tables.length).toBeGreaterThanOrEqual(12);
  const out: unknown[] = [];
  for (const t of tables) out.push(await store.knex.raw('SELECT * FROM ??.??', [db.schema!, t]).then((r: { rows: unknown[] }) => r.rows));
  return JSON.stringify(out);
}

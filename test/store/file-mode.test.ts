/** A new SQLite database is private to its owner, like the key files beside it. */
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../engine/platform/store/store.js';

const mode = (p: string) => statSync(p).mode & 0o777;

describe('SQLite file mode', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('creates the database, its -wal and its -shm 0600 whatever the umask', async () => {
    dir = mkdtempSync(join(tmpdir(), 'patchbay-mode-'));
    const file = join(dir, 'patchbay.db');
    const old = process.umask(0o022);
    try {
      const store = await openStore(`sqlite:${file}`);
      await store.knex('connections').count({ n: '*' });
      expect(mode(file)).toBe(0o600);
      for (const side of ['-wal', '-shm']) if (existsSync(file + side)) expect(mode(file + side), side).toBe(0o600);
      expect(existsSync(file + '-wal')).toBe(true);
      await store.close();
    } finally {
      process.umask(old);
    }
  });

  it('leaves the mode of an existing database as its owner set it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'patchbay-mode-'));
    const file = join(dir, 'shared.db');
    writeFileSync(file, '');
    chmodSync(file, 0o640);
    const store = await openStore(`sqlite:${file}`);
    await store.close();
    expect(mode(file)).toBe(0o640);
  });
});

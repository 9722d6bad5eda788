/**
 * Item 23: the start banner ("serving … (database <url>)") and the open-failure error printed
 * the database password when it sat in the query (`?password=…`) or held an `@` (`u:p@ss@h`
 * showed `ss@h`). Both come from `databaseTarget(url).display`; the process tests run the
 * built `patchbay serve` and read everything it wrote.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTarget, maskUrl } from '../../engine/platform/store/config.js';
import { ensureBuilt } from '../cli/helpers.js';
import { KEY_A, PG_URL } from '../store/databases.js';
import { spawnServe } from './serve-process.js';

const canary = `Cn4ry-${randomBytes(4).toString('hex')}`;

describe('database URLs are shown without their secrets', () => {
  it.each([
    [`postgres://app:p@ss-${canary}@db.internal:5432/main`, 'postgres://app:***@db.internal:5432/main'],
    [`postgres://db.internal/main?password=${canary}&sslmode=require`, 'postgres://db.internal/main?password=[REDACTED]&sslmode=require'],
    [`postgres://app@db.internal/main?password=p@ss-${canary}&schema=s1`, 'postgres://app@db.internal/main?password=[REDACTED]&schema=s1'],
    [`postgresql://app:${encodeURIComponent(`a/b:${canary}`)}@db.internal/main`, 'postgresql://app:***@db.internal/main'],
    [`postgres://app@db.internal/main?sslpassword=${canary}&sslkey=/k/${canary}&pwd=${canary}&pass=${canary}&token=${canary}&application_name=pb`,
      'postgres://app@db.internal/main?sslpassword=[REDACTED]&sslkey=[REDACTED]&pwd=[REDACTED]&pass=[REDACTED]&token=[REDACTED]&application_name=pb'],
    [`postgres://app:${canary}@db.internal/${canary}`, 'postgres://app:***@db.internal/[REDACTED]'],
  ])('%s', (url, shown) => {
    expect(databaseTarget(url).display).toBe(shown);
    expect(shown).not.toContain(canary);
  });

  it('hides URLs without a reliable boundary between password and host, and URLs it refuses', () => {
    expect(databaseTarget(`postgres://app:12/${canary}@db.internal/main`).display).toBe('postgres://[URL not shown: it does not parse unambiguously]');
    expect(maskUrl(`postgres://app:p#${canary}@db.internal/main`)).toBe('postgres://[URL not shown: it does not parse unambiguously]');
    expect(maskUrl(`mysql://app:p@ss-${canary}@h/db`)).toBe('mysql://app:***@h/db');
    expect(() => databaseTarget(`postgres://app:p@ss-${canary}@[::1/db`)).toThrow(/^database URL postgres:\/\/\[URL not shown/);
  });
});

describe('patchbay serve prints no database password', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-db-url-'));
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Port 1 refuses: the process fails on opening the database and prints the URL in its error.
  it.each([
    [`postgres://app:p@ss-${canary}@127.0.0.1:1/main`, 'cannot open database postgres://app:***@127.0.0.1:1/main:'],
    [`postgres://app@127.0.0.1:1/main?password=${canary}&sslmode=disable`, 'cannot open database postgres://app@127.0.0.1:1/main?password=[REDACTED]&sslmode=disable:'],
  ])('when the database does not open: %s', async (url, line) => {
    const serve = spawnServe(['--db', url], { cwd: dir, env: { PATCHBAY_SECRET_KEYS: KEY_A } });
    await expect(serve.started).rejects.toThrow(/exited/);
    expect(await serve.exited).toBe(1);
    expect(serve.stderr()).toContain(line);
    expect(serve.stdout() + serve.stderr()).not.toContain(canary);
  }, 60_000);

  if (PG_URL) {
    // A role of our own whose password has an `@`, so both URL forms log in for real.
    const role = `pb_mask_${randomBytes(3).toString('hex')}`;
    const password = `p@ss-${canary}`;
    const admin = knexFactory({ client: 'pg', connection: PG_URL });
    const base = new URL(PG_URL);
    const schema = `t_${role}`;
    beforeAll(async () => {
      await admin.raw(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
      await admin.raw(`GRANT CREATE ON DATABASE ${base.pathname.slice(1)} TO ${role}`);
    });
    afterAll(async () => {
      await admin.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.raw(`DROP OWNED BY ${role}`);
      await admin.raw(`DROP ROLE ${role}`);
      await admin.destroy();
    });

    it.each([
      ['the password holds an @', `postgres://${role}:${password}@${base.host}${base.pathname}?schema=${schema}`, `postgres://${role}:***@${base.host}${base.pathname}?schema=${schema})`],
      ['the password is in the query', `postgres://${role}@${base.host}${base.pathname}?password=${password}&schema=${schema}`, `postgres://${role}@${base.host}${base.pathname}?password=[REDACTED]&schema=${schema})`],
    ])('in the start banner when %s', async (_, url, shown) => {
      const serve = spawnServe(['--db', url], { cwd: dir, env: { PATCHBAY_SECRET_KEYS: KEY_A, PATCHBAY_ADMIN_KEY: `pbk_${randomBytes(30).toString('hex')}` } });
      try {
        await serve.started;
        expect(serve.stderr()).toContain(`(database ${shown}`);
      } finally {
        expect(await serve.stop(), serve.stderr()).toBe(0);
      }
      expect(serve.stdout() + serve.stderr()).not.toContain(canary);
    }, 60_000);
  }
});

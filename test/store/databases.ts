/**
 * The databases every store and sync suite runs on: a fresh SQLite file, and PostgreSQL when
 * PATCHBAY_TEST_PG_URL is set (CI sets it; each suite gets its own schema, dropped after).
 * Without the URL the PostgreSQL variants are registered as skipped, so the count says so.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';

export const PG_URL = process.env.PATCHBAY_TEST_PG_URL;

export interface TestDatabase {
  dialect: 'sqlite' | 'postgres';
  /** URL for openStore / createPlatform; for PostgreSQL it carries `?schema=`. */
  url: string;
  schema?: string;
  /** SQLite directory (key file lives under it). */
  dir?: string;
  cleanup(): Promise<void>;
}

export interface DatabaseKind {
  dialect: 'sqlite' | 'postgres';
  /** False for PostgreSQL without PATCHBAY_TEST_PG_URL: suites use `describe.skipIf(!kind.available)`. */
  available: boolean;
  create(tag: string): Promise<TestDatabase>;
}

const sqlite: DatabaseKind = {
  dialect: 'sqlite',
  available: true,
  async create(tag) {
    const dir = mkdtempSync(path.join(tmpdir(), `patchbay-${tag}-`));
    return {
      dialect: 'sqlite',
      url: `sqlite:${path.join(dir, 'test.db')}`,
      dir,
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

const postgres: DatabaseKind = {
  dialect: 'postgres',
  available: PG_URL !== undefined && PG_URL !== '',
  async create(tag) {
    const schema = `t_${tag.replace(/[^a-z0-9]/g, '_')}_${randomBytes(4).toString('hex')}`;
    const u = new URL(PG_URL!);
    u.searchParams.set('schema', schema);
    return {
      dialect: 'postgres',
      url: u.toString(),
      schema,
      cleanup: async () => {
        const k = knexFactory({ client: 'pg', connection: PG_URL });
        try {
          await k.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
        } finally {
          await k.destroy();
        }
      },
    };
  },
};

let noticed = false;
/** SQLite first (suites that need one database take `[0]`), then PostgreSQL. */
export function databaseKinds(): DatabaseKind[] {
  if (!postgres.available && !noticed) {
    noticed = true;
    process.stderr.write('\n*** PostgreSQL variants SKIPPED: PATCHBAY_TEST_PG_URL is not set (CI sets it; see .ci/run) ***\n\n');
  }
  return [sqlite, postgres];
}

/** A fixed test key ring: two keys so rotation can be exercised. */
export const KEY_A = `ka:${Buffer.alloc(32, 1).toString('base64')}`;
export const KEY_B = `kb:${Buffer.alloc(32, 2).toString('base64')}`;

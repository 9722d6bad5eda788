/**
 * Opening a store: connect, apply pragmas/search path, run migrations, and hand out
 * tenant-scoped access. The same code serves SQLite and PostgreSQL.
 */
import knexFactory, { type Knex } from 'knex';
import { ConnectorError } from '../../core/errors.js';
import { databaseTarget, type Dialect, DEFAULT_DATABASE_URL } from './config.js';
import { migrationSource } from './migrations/index.js';
import { TenantScope, Unscoped } from './scope.js';
import { createInvalidations, INVALIDATE_CHANNEL, type Invalidations, type ListenClient } from './notify.js';
import { closeSync, existsSync, openSync } from 'node:fs';

export interface StoreOptions {
  /** PostgreSQL schema (else `?schema=` in the URL, else the server default). */
  schema?: string;
  /** Skip running migrations (a read-only tool that must not change the schema). */
  migrate?: boolean;
  /** Clock in epoch ms; injectable so lease expiry can be tested without sleeping. */
  now?: () => number;
  /** Where a broken invalidation listener is reported; default stderr. */
  warn?: (message: string) => void;
}

export interface Store {
  readonly dialect: Dialect;
  /** Masked URL for messages. */
  readonly display: string;
  /** Absolute SQLite file (or `:memory:`); undefined on PostgreSQL. */
  readonly file?: string;
  readonly schema?: string;
  scope(tenant: string): TenantScope;
  unscoped(reason: string): Unscoped;
  now(): number;
  /** Raw knex for benchmarks and tests; repositories must use `scope`. */
  readonly knex: Knex;
  /** Changes other processes' caches must hear about (see notify.ts). */
  readonly invalidations: Invalidations;
  close(): Promise<void>;
}

export const MIGRATIONS_TABLE = 'patchbay_migrations';

const MIGRATION_LOCK_WAIT_MS = 30_000;

/**
 * Creates knex's own bookkeeping tables (same shape knex gives them) with exactly one lock
 * row. Left to knex, two processes starting together can each insert a lock row, after
 * which its lock can never be taken again.
 */
async function ensureMigrationTables(knex: Knex, schemaName: string | undefined): Promise<void> {
  const schema = () => (schemaName ? knex.schema.withSchema(schemaName) : knex.schema);
  const lockTable = `${MIGRATIONS_TABLE}_lock`;
  if (!(await schema().hasTable(MIGRATIONS_TABLE))) {
    await schema().createTable(MIGRATIONS_TABLE, (t) => {
      t.increments();
      t.string('name');
      t.integer('batch');
      t.timestamp('migration_time');
    });
  }
  if (!(await schema().hasTable(lockTable))) {
    await schema().createTable(lockTable, (t) => {
      t.increments('index').primary();
      t.integer('is_locked');
    });
  }
  const table = () => (schemaName ? knex(lockTable).withSchema(schemaName) : knex(lockTable));
  // A fixed key makes concurrent inserts collapse into one row; an existing row is kept.
  if (!(await table().first())) await table().insert({ index: 1, is_locked: 0 }).onConflict('index').ignore();
}

/** Two processes creating knex's bookkeeping tables at the same moment: one loses, then retries. */
function isStartupRace(err: unknown): boolean {
  const e = err as { name?: string; code?: string; message?: string };
  return e?.name === 'MigrationLocked' || e?.code === '42P07' || e?.code === '23505' || /already exists/.test(e?.message ?? '');
}

/**
 * knex refuses (rather than waits) when another process holds the migration lock, which
 * happens whenever several processes start on a fresh database together; wait it out.
 */
async function prepare(knex: Knex, schemaName: string | undefined, runMigrations: boolean): Promise<void> {
  const deadline = Date.now() + MIGRATION_LOCK_WAIT_MS;
  for (;;) {
    try {
      // Even IF NOT EXISTS races in PostgreSQL's catalog, hence inside the retry.
      if (schemaName) await knex.raw('CREATE SCHEMA IF NOT EXISTS ??', [schemaName]);
      if (runMigrations) {
        await ensureMigrationTables(knex, schemaName);
        await knex.migrate.latest({ migrationSource, tableName: MIGRATIONS_TABLE, schemaName });
      }
      return;
    } catch (err) {
      if (!isStartupRace(err) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
}

/**
 * A new SQLite file is created readable by its owner only (0600, like the key files): it
 * holds sealed credentials and every synced record. SQLite gives its -wal and -shm files the
 * database file's mode, so they follow. An existing file keeps the mode its owner chose.
 */
function createPrivately(file: string): void {
  if (existsSync(file)) return;
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch {
    // A missing folder or no permission: opening the database says so in its own words.
  }
}

export async function openStore(url: string = DEFAULT_DATABASE_URL, opts: StoreOptions = {}): Promise<Store> {
  const target = databaseTarget(url, { schema: opts.schema });
  if (target.dialect === 'sqlite' && target.file && target.file !== ':memory:') createPrivately(target.file);
  const knex = knexFactory(target.knex);
  try {
    await prepare(knex, target.dialect === 'postgres' ? target.schema : undefined, opts.migrate !== false);
  } catch (err) {
    await knex.destroy().catch(() => undefined);
    if (err instanceof ConnectorError) throw err;
    throw new ConnectorError({
      kind: 'config', origin: 'caller',
      message: `cannot open database ${target.display}: ${(err as Error).message}`,
      cause: err,
    });
  }
  const now = opts.now ?? Date.now;
  const invalidations = createInvalidations({
    dialect: target.dialect,
    schema: target.schema,
    ...(target.dialect === 'postgres'
      ? {
        send: (payload: string) => knex.raw('select pg_notify(?, ?)', [INVALIDATE_CHANNEL, payload]),
        // Outside the pool: a LISTEN connection is held for the store's life.
        openListener: () => knex.client.acquireRawConnection() as Promise<ListenClient>,
      }
      : {}),
    warn: opts.warn ?? ((m) => process.stderr.write(`patchbay: ${m}\n`)),
  });
  return {
    dialect: target.dialect,
    display: target.display,
    file: target.file,
    schema: target.schema,
    knex,
    scope: (tenant) => new TenantScope(knex, tenant, target.dialect),
    unscoped: (reason) => new Unscoped(knex, target.dialect, reason),
    now: () => now(),
    invalidations,
    close: async () => {
      await invalidations.close();
      await knex.destroy();
    },
  };
}

/**
 * Opening a store: connect, apply pragmas/search path, run migrations, and hand out
 * tenant-scoped access. The same code serves SQLite and PostgreSQL.
 */
import knexFactory, { type Knex } from 'knex';
import { ConnectorError } from '../errors.js';
import { databaseTarget, type Dialect, DEFAULT_DATABASE_URL } from './config.js';
import { migrationSource } from './migrations/index.js';
import { TenantScope, Unscoped } from './scope.js';

export interface StoreOptions {
  /** PostgreSQL schema (else `?schema=` in the URL, else the server default). */
  schema?: string;
  /** Skip running migrations (a read-only tool that must not change the schema). */
  migrate?: boolean;
  /** Clock in epoch ms; injectable so lease expiry can be tested without sleeping. */
  now?: () => number;
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
  close(): Promise<void>;
}

export const MIGRATIONS_TABLE = 'patchbay_migrations';

export async function openStore(url: string = DEFAULT_DATABASE_URL, opts: StoreOptions = {}): Promise<Store> {
  const target = databaseTarget(url, { schema: opts.schema });
  const knex = knexFactory(target.knex);
  try {
    if (target.dialect === 'postgres' && target.schema) {
      await knex.raw('CREATE SCHEMA IF NOT EXISTS ??', [target.schema]);
    }
    if (opts.migrate !== false) {
      await knex.migrate.latest({ migrationSource, tableName: MIGRATIONS_TABLE, schemaName: target.schema });
    }
  } catch (err) {
    await knex.destroy().catch(() => undefined);
    if (err instanceof ConnectorError) throw err;
    throw new ConnectorError({
      kind: 'config',
      message: `cannot open database ${target.display}: ${(err as Error).message}`,
      cause: err,
    });
  }
  const now = opts.now ?? Date.now;
  return {
    dialect: target.dialect,
    display: target.display,
    file: target.file,
    schema: target.schema,
    knex,
    scope: (tenant) => new TenantScope(knex, tenant, target.dialect),
    unscoped: (reason) => new Unscoped(knex, target.dialect, reason),
    now: () => now(),
    close: () => knex.destroy(),
  };
}

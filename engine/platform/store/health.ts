/** What readiness probes ask of the database: does it answer, and is its schema current. */
import { migrationSource } from './migrations/index.js';
import { MIGRATIONS_TABLE, type Store } from './store.js';

export async function ping(store: Store): Promise<void> {
  await store.knex.raw('select 1');
}

/** Migrations this code has that the database has not applied. */
export async function pendingMigrations(store: Store): Promise<number> {
  const [, pending] = (await store.knex.migrate.list({ migrationSource, tableName: MIGRATIONS_TABLE, schemaName: store.schema })) as [unknown[], unknown[]];
  return pending.length;
}

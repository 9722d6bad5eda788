/** Connections, their per-stream state and the generic lease table. */
import type { Knex } from 'knex';

export const name = '001_connections';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('connections', (t) => {
    t.string('id', 64).primary();
    t.string('tenant', 200).notNullable();
    t.string('connector', 200).notNullable();
    t.string('name', 200).notNullable();
    t.string('auth', 100);
    t.text('config').notNullable();
    // Sealed envelope (pbv1.…); NULL once disconnected.
    t.text('credentials');
    // Names of the credential fields that are set (JSON array): listable without unsealing.
    t.text('credential_fields').notNullable().defaultTo('[]');
    t.text('settings').notNullable();
    t.string('status', 20).notNullable();
    t.text('last_error');
    t.bigInteger('last_error_at');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('disconnected_at');
    t.unique(['tenant', 'connector', 'name']);
    t.index(['tenant', 'status']);
  });

  await knex.schema.createTable('stream_state', (t) => {
    t.bigIncrements('id').primary();
    t.string('tenant', 200).notNullable();
    t.string('connection_id', 64).notNullable().references('id').inTable('connections').onDelete('CASCADE');
    t.string('stream', 200).notNullable();
    t.text('state').notNullable();
    // Per-stream change counter: the row lock taken when bumping it orders page commits,
    // so the change feed never shows a higher sequence before a lower one is committed.
    t.bigInteger('change_seq').notNullable().defaultTo(0);
    t.bigInteger('updated_at').notNullable();
    t.unique(['connection_id', 'stream']);
  });

  await knex.schema.createTable('leases', (t) => {
    t.string('id', 300).primary();
    t.string('tenant', 200).notNullable();
    t.string('owner', 200);
    t.bigInteger('expires_at').notNullable().defaultTo(0);
    t.string('run_id', 64);
    t.bigInteger('updated_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('leases');
  await knex.schema.dropTable('stream_state');
  await knex.schema.dropTable('connections');
}

/** Synced records and the history of sync runs. */
import type { Knex } from 'knex';

export const name = '002_records';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('records', (t) => {
    t.bigIncrements('id').primary();
    t.string('tenant', 200).notNullable();
    t.string('connection_id', 64).notNullable().references('id').inTable('connections').onDelete('CASCADE');
    t.string('stream', 200).notNullable();
    t.string('external_id', 500).notNullable();
    t.text('data').notNullable();
    t.string('hash', 64).notNullable();
    t.string('model', 100);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('deleted_at');
    // Change sequence of the latest change, and of the insert (tells added from updated).
    t.bigInteger('seq').notNullable();
    t.bigInteger('first_seq').notNullable();
    t.unique(['connection_id', 'stream', 'external_id']);
    t.index(['connection_id', 'stream', 'seq']);
  });

  await knex.schema.createTable('sync_runs', (t) => {
    t.string('id', 64).primary();
    t.string('tenant', 200).notNullable();
    t.string('connection_id', 64).notNullable().references('id').inTable('connections').onDelete('CASCADE');
    t.string('stream', 200).notNullable();
    t.string('trigger', 20).notNullable();
    t.string('status', 20).notNullable();
    t.integer('records_read').notNullable().defaultTo(0);
    t.integer('records_written').notNullable().defaultTo(0);
    t.integer('records_unchanged').notNullable().defaultTo(0);
    t.integer('records_failed').notNullable().defaultTo(0);
    t.integer('records_deleted').notNullable().defaultTo(0);
    t.integer('pages').notNullable().defaultTo(0);
    t.text('error');
    t.string('error_kind', 40);
    t.bigInteger('started_at').notNullable();
    t.bigInteger('ended_at');
    t.string('lease_owner', 200);
    t.bigInteger('lease_expires_at');
    t.index(['tenant', 'connection_id', 'started_at']);
    t.index(['status']);
  });

  await knex.schema.createTable('schedules', (t) => {
    t.string('id', 64).primary();
    t.string('tenant', 200).notNullable();
    t.string('connection_id', 64).notNullable().references('id').inTable('connections').onDelete('CASCADE');
    t.string('stream', 200).notNullable();
    t.bigInteger('interval_ms');
    t.string('cron', 200);
    t.string('timezone', 100);
    t.bigInteger('jitter_ms').notNullable().defaultTo(0);
    t.boolean('enabled').notNullable().defaultTo(true);
    t.bigInteger('next_run_at').notNullable();
    t.string('lease_owner', 200);
    t.bigInteger('lease_expires_at').notNullable().defaultTo(0);
    t.string('last_run_id', 64);
    t.bigInteger('last_run_at');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['connection_id', 'stream']);
    t.index(['enabled', 'next_run_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('schedules');
  await knex.schema.dropTable('sync_runs');
  await knex.schema.dropTable('records');
}

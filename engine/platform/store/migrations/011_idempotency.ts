/**
 * Caller idempotency keys of action calls (the stored reply a retry with the same key gets),
 * and the reason a schedule was switched off because its stored spec could not be run.
 */
import type { Knex } from 'knex';

export const name = '011_idempotency';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('idempotency_keys', (t) => {
    t.string('tenant', 200).notNullable();
    t.string('connection_id', 64).notNullable().references('id').inTable('connections').onDelete('CASCADE');
    t.string('key', 255).notNullable();
    // SHA-256 (hex) of the canonical request: method, action, body.
    t.string('request_hash', 64).notNullable();
    // 'in_flight' while the first request runs, then 'done'.
    t.string('state', 16).notNullable();
    t.integer('response_status');
    t.text('response_body');
    t.bigInteger('created_at').notNullable();
    // An in-flight claim older than this belongs to a process that died: the key may be taken again.
    t.bigInteger('locked_until').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.primary(['tenant', 'connection_id', 'key']);
    t.index(['expires_at']);
  });
  await knex.schema.alterTable('schedules', (t) => {
    t.text('last_error');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('schedules', (t) => {
    t.dropColumn('last_error');
  });
  await knex.schema.dropTable('idempotency_keys');
}

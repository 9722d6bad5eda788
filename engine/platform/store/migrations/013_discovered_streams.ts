/**
 * The streams a connection's `dynamic_streams` families discovered at its last discovery:
 * one row per stream, with the item its reads render their templates with. A stream the
 * provider stops listing loses its row here; its records and state stay in their tables.
 */
import type { Knex } from 'knex';

export const name = '013_discovered_streams';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('discovered_streams', (t) => {
    t.string('tenant', 200).notNullable();
    t.string('connection_id', 64).notNullable().references('id').inTable('connections').onDelete('CASCADE');
    // `<family>.<key>`: what state, records, runs and schedules are kept under.
    t.string('name', 240).notNullable();
    t.string('family', 100).notNullable();
    t.string('key', 128).notNullable();
    t.text('title');
    // JSON list of field names.
    t.text('primary_key').notNullable();
    // The discovered item (JSON), the templates' `item`.
    t.text('item').notNullable();
    t.bigInteger('discovered_at').notNullable();
    t.primary(['connection_id', 'name']);
    t.index(['tenant', 'connection_id'], 'discovered_streams_by_connection');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('discovered_streams');
}

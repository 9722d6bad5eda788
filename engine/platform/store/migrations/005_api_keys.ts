/** API keys for the HTTP runtime: only a hash is stored, the prefix identifies a key in lists. */
import type { Knex } from 'knex';

export const name = '005_api_keys';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_keys', (t) => {
    t.string('id', 64).primary();
    t.string('tenant', 200).notNullable();
    t.string('name', 200).notNullable();
    t.string('prefix', 32).notNullable();
    t.string('hash', 128).notNullable().unique();
    t.text('scopes').notNullable().defaultTo('[]');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('last_used_at');
    t.bigInteger('revoked_at');
    t.index(['tenant']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('api_keys');
}

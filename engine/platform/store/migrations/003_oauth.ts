/** OAuth consent state and per-tenant OAuth client registrations (used by the consent flow). */
import type { Knex } from 'knex';

export const name = '003_oauth';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('oauth_states', (t) => {
    // The random `state` parameter itself: single use, expiring.
    t.string('id', 128).primary();
    t.string('tenant', 200).notNullable();
    t.string('connector', 200).notNullable();
    t.string('connection_id', 64);
    t.string('auth', 100);
    t.text('code_verifier'); // sealed
    t.text('redirect_uri');
    t.text('data').notNullable().defaultTo('{}');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('used_at');
    t.index(['expires_at']);
  });

  await knex.schema.createTable('oauth_apps', (t) => {
    t.string('id', 64).primary();
    t.string('tenant', 200).notNullable();
    t.string('connector', 200).notNullable();
    t.text('client_id').notNullable();
    t.text('client_secret'); // sealed
    t.text('scopes');
    t.text('redirect_uri');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['tenant', 'connector']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('oauth_apps');
  await knex.schema.dropTable('oauth_states');
}

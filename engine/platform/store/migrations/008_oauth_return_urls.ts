/** Where the consent flow may send the user back: the return URLs registered per OAuth app. */
import type { Knex } from 'knex';

export const name = '008_oauth_return_urls';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('oauth_apps', (t) => {
    // JSON array of exact URLs and `…*` prefixes.
    t.text('return_urls').notNullable().defaultTo('[]');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('oauth_apps', (t) => {
    t.dropColumn('return_urls');
  });
}

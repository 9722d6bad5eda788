/**
 * Request slots shared by every process on one database (issue 14): one row per budget key
 * and window length, holding the recent grants in time buckets. A row whose grants have all
 * left their window is dead weight; `expires_at` says when, for the purge.
 */
import type { Knex } from 'knex';

export const name = '015_rate_slots';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rate_slots', (t) => {
    // A connection's tenant; '' for a connector-wide budget, which is no tenant's.
    t.string('tenant', 200).notNullable();
    // The limiter key: `connection:<id>` or `connector:<id>`.
    t.string('key', 300).notNullable();
    t.bigInteger('per_ms').notNullable();
    // JSON [[bucket start (epoch ms), slots granted], …], oldest first.
    t.text('buckets').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.primary(['tenant', 'key', 'per_ms']);
    t.index(['expires_at'], 'rate_slots_expires');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rate_slots');
}

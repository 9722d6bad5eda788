/**
 * Outbound deliveries grow what the worker needs: a lease (so two processes never send the
 * same row at once), a per-cycle attempt count (a manual redeliver starts the schedule
 * over), one row per attempt, and uniqueness per (subscription, event) so publishing the
 * same event again — a retried processing run — does not deliver it twice.
 */
import type { Knex } from 'knex';

export const name = '007_deliveries';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('subscriptions', (t) => {
    t.text('description');
  });
  await knex.schema.alterTable('deliveries', (t) => {
    t.string('lease_owner', 200);
    t.bigInteger('lease_until');
    t.integer('cycle_attempts').notNullable().defaultTo(0);
    t.bigInteger('updated_at');
    t.unique(['subscription_id', 'event_id'], { indexName: 'deliveries_once_per_event' });
    t.index(['tenant', 'subscription_id', 'created_at'], 'deliveries_by_subscription');
  });
  await knex.schema.createTable('delivery_attempts', (t) => {
    t.string('id', 64).primary();
    t.string('tenant', 200).notNullable();
    t.string('delivery_id', 64).notNullable().references('id').inTable('deliveries').onDelete('CASCADE');
    t.integer('attempt').notNullable();
    t.integer('status_code');
    t.text('response');
    t.text('error');
    t.integer('duration_ms').notNullable();
    t.bigInteger('started_at').notNullable();
    t.index(['delivery_id', 'attempt'], 'delivery_attempts_by_delivery');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('delivery_attempts');
  await knex.schema.alterTable('deliveries', (t) => {
    t.dropIndex([], 'deliveries_by_subscription');
    t.dropUnique([], 'deliveries_once_per_event');
    t.dropColumns('lease_owner', 'lease_until', 'cycle_attempts', 'updated_at');
  });
  await knex.schema.alterTable('subscriptions', (t) => {
    t.dropColumn('description');
  });
}

/** Inbound webhook events and outbound subscriptions/deliveries (used by the webhook issues). */
import type { Knex } from 'knex';

export const name = '004_webhooks';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_events', (t) => {
    t.string('id', 64).primary();
    t.string('tenant', 200).notNullable();
    t.string('connector', 200).notNullable();
    t.string('connection_id', 64);
    t.string('provider_event_id', 500).notNullable();
    t.string('type', 300);
    t.text('payload').notNullable();
    t.text('headers');
    t.string('status', 20).notNullable();
    t.text('error');
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('received_at').notNullable();
    t.bigInteger('processed_at');
    t.unique(['tenant', 'connector', 'provider_event_id']);
    t.index(['status', 'received_at']);
  });

  await knex.schema.createTable('subscriptions', (t) => {
    t.string('id', 64).primary();
    t.string('tenant', 200).notNullable();
    t.string('connection_id', 64);
    t.text('url').notNullable();
    t.text('events').notNullable().defaultTo('[]');
    t.text('secret'); // sealed
    t.string('status', 20).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.index(['tenant', 'status']);
  });

  await knex.schema.createTable('deliveries', (t) => {
    t.string('id', 64).primary();
    t.string('tenant', 200).notNullable();
    t.string('subscription_id', 64).notNullable().references('id').inTable('subscriptions').onDelete('CASCADE');
    t.string('event_id', 64);
    t.string('event_type', 300);
    t.text('payload').notNullable();
    t.string('status', 20).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('next_attempt_at');
    t.integer('last_status');
    t.text('last_error');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('delivered_at');
    t.index(['status', 'next_attempt_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('deliveries');
  await knex.schema.dropTable('subscriptions');
  await knex.schema.dropTable('webhook_events');
}

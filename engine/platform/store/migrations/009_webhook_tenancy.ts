/**
 * Webhook tenancy: the values a connection proved to the provider (learned from its token
 * or check response) that route connector-level deliveries to it; an operator-only count
 * of refused deliveries (no tenant, no body); and the sender's own id of a refused delivery,
 * kept apart from the dedupe key so a forged delivery can never shadow the real one; and
 * connector-level secrets the operator sets once (sealed like OAuth apps).
 */
import type { Knex } from 'knex';

export const name = '009_webhook_tenancy';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('connection_routes', (t) => {
    t.string('connection_id', 64).notNullable();
    t.string('setting', 200).notNullable();
    t.string('tenant', 200).notNullable();
    t.string('connector', 200).notNullable();
    t.string('value', 500).notNullable();
    // 'token' or 'check': where the provider told us.
    t.string('source', 20).notNullable();
    t.bigInteger('proven_at').notNullable();
    t.primary(['connection_id', 'setting']);
    t.index(['connector', 'setting', 'value'], 'connection_routes_lookup');
  });
  await knex.schema.createTable('webhook_rejections', (t) => {
    t.string('connector', 200).notNullable();
    // '' for the connector-level URL.
    t.string('connection_id', 64).notNullable().defaultTo('');
    t.string('reason', 40).notNullable();
    // Start of the hour (epoch ms) the count belongs to.
    t.bigInteger('bucket').notNullable();
    t.integer('count').notNullable().defaultTo(0);
    t.bigInteger('last_at').notNullable();
    t.primary(['connector', 'connection_id', 'reason', 'bucket']);
  });
  await knex.schema.alterTable('webhook_events', (t) => {
    t.string('sender_event_id', 500);
  });
  // Operator-set secrets of a connector (a Connect endpoint's or an app's signing secret); id = connector id.
  await knex.schema.createTable('connector_secrets', (t) => {
    t.string('id', 200).primary();
    t.text('secrets').notNullable(); // sealed JSON object
    t.bigInteger('updated_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('connector_secrets');
  await knex.schema.alterTable('webhook_events', (t) => t.dropColumn('sender_event_id'));
  await knex.schema.dropTable('webhook_rejections');
  await knex.schema.dropTable('connection_routes');
}

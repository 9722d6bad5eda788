/**
 * Inbound webhook processing: dedupe per connection (not per tenant), retry bookkeeping
 * and a claim lease on each event, the reason a delivery was rejected, and delivery bodies
 * kept once when a delivery is split into several events.
 */
import type { Knex } from 'knex';

export const name = '006_webhook_intake';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('webhook_events', (t) => {
    t.dropUnique(['tenant', 'connector', 'provider_event_id']);
  });
  await knex.schema.alterTable('webhook_events', (t) => {
    t.string('reason', 40);
    // The whole delivery body (webhook_payloads.id) when `payload` holds one event split out of it.
    t.string('payload_id', 64);
    t.bigInteger('next_attempt_at');
    t.string('lease_owner', 200);
    t.bigInteger('lease_expires_at');
    t.unique(['connector', 'connection_id', 'provider_event_id'], { indexName: 'webhook_events_dedupe' });
    t.index(['status', 'next_attempt_at'], 'webhook_events_due');
    t.index(['tenant', 'received_at'], 'webhook_events_tenant_received');
    t.index(['tenant', 'connection_id', 'received_at'], 'webhook_events_connection_received');
  });
  await knex.schema.createTable('webhook_payloads', (t) => {
    t.string('id', 64).primary();
    t.string('tenant', 200).notNullable();
    t.text('body').notNullable();
    t.bigInteger('created_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_payloads');
  await knex.schema.alterTable('webhook_events', (t) => {
    t.dropIndex([], 'webhook_events_connection_received');
    t.dropIndex([], 'webhook_events_tenant_received');
    t.dropIndex([], 'webhook_events_due');
    t.dropUnique([], 'webhook_events_dedupe');
    t.dropColumns('reason', 'payload_id', 'next_attempt_at', 'lease_owner', 'lease_expires_at');
  });
  await knex.schema.alterTable('webhook_events', (t) => {
    t.unique(['tenant', 'connector', 'provider_event_id']);
  });
}

/**
 * Retention: the purge deletes old rows by status and age in bounded batches, so each of
 * its selections needs an index that starts with what it filters on. webhook_events
 * already has (status, received_at).
 */
import type { Knex } from 'knex';

export const name = '010_retention';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('webhook_events', (t) => {
    t.index(['payload_id'], 'webhook_events_payload');
  });
  await knex.schema.alterTable('webhook_payloads', (t) => {
    t.index(['created_at'], 'webhook_payloads_created');
  });
  await knex.schema.alterTable('deliveries', (t) => {
    t.index(['status', 'created_at'], 'deliveries_status_created');
  });
  await knex.schema.alterTable('sync_runs', (t) => {
    t.index(['status', 'started_at'], 'sync_runs_status_started');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sync_runs', (t) => t.dropIndex([], 'sync_runs_status_started'));
  await knex.schema.alterTable('deliveries', (t) => t.dropIndex([], 'deliveries_status_created'));
  await knex.schema.alterTable('webhook_payloads', (t) => t.dropIndex([], 'webhook_payloads_created'));
  await knex.schema.alterTable('webhook_events', (t) => t.dropIndex([], 'webhook_events_payload'));
}

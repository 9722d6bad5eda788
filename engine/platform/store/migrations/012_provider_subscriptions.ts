/**
 * Subscriptions a connection holds at its provider (`webhooks.subscriptions`: one row per
 * topic or resource) and the follow-up work they need: renewal before `expires_at`, and on
 * disconnect the unsubscribe requests and the token revocation, kept here until the provider
 * takes them. A row is claimed with a lease like every other background work item.
 */
import type { Knex } from 'knex';

export const name = '012_provider_subscriptions';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('provider_subscriptions', (t) => {
    t.string('id', 64).primary();
    t.string('tenant', 200).notNullable();
    t.string('connection_id', 64).notNullable().references('id').inTable('connections').onDelete('CASCADE');
    t.string('connector', 200).notNullable();
    // 'subscription' (a manifest entry's item) or 'revocation' (the connection's OAuth tokens).
    t.string('kind', 16).notNullable();
    t.string('name', 100).notNullable();
    t.string('key', 500).notNullable();
    // The for_each item (JSON), for the renew and unsubscribe templates.
    t.text('item');
    t.string('provider_id', 500);
    // active | unsubscribing | revoking | removed | failed
    t.string('status', 16).notNullable();
    t.bigInteger('expires_at');
    t.integer('attempts').notNullable().defaultTo(0);
    // When the job should next look at the row; null: nothing to do.
    t.bigInteger('next_attempt_at');
    t.text('last_error');
    // Sealed: what a pending unsubscribe or revocation authenticates with after the disconnect wiped the connection's credentials.
    t.text('credentials');
    t.string('lease_owner', 200);
    t.bigInteger('lease_until').notNullable().defaultTo(0);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['connection_id', 'kind', 'name', 'key'], { indexName: 'provider_subscriptions_once' });
    t.index(['next_attempt_at'], 'provider_subscriptions_due');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('provider_subscriptions');
}

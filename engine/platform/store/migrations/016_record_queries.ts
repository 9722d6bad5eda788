/**
 * Record queries (`updated_since`): the stored records of one stream by the time Patchbay
 * last wrote them, so "what changed in the last hour" reads an index range instead of
 * the whole stream.
 */
import type { Knex } from 'knex';

export const name = '016_record_queries';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('records', (t) => {
    t.index(['connection_id', 'stream', 'updated_at'], 'records_stream_updated');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('records', (t) => {
    t.dropIndex(['connection_id', 'stream', 'updated_at'], 'records_stream_updated');
  });
}

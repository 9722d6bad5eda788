/**
 * Migrations live in code (not a directory scan) so they ship inside dist/ and run the same
 * from tsx, vitest and the compiled CLI. Append new files here; never edit a released one.
 */
import type { Knex } from 'knex';
import * as m001 from './001_connections.js';
import * as m002 from './002_records.js';
import * as m003 from './003_oauth.js';
import * as m004 from './004_webhooks.js';
import * as m005 from './005_api_keys.js';
import * as m006 from './006_webhook_intake.js';
import * as m007 from './007_deliveries.js';
import * as m008 from './008_oauth_return_urls.js';
import * as m009 from './009_webhook_tenancy.js';
import * as m010 from './010_retention.js';
import * as m011 from './011_idempotency.js';
import * as m012 from './012_provider_subscriptions.js';
import * as m013 from './013_discovered_streams.js';
import * as m015 from './015_rate_slots.js';
import * as m016 from './016_record_queries.js';

interface MigrationModule {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

export const MIGRATIONS: readonly MigrationModule[] = [m001, m002, m003, m004, m005, m006, m007, m008, m009, m010, m011, m012, m013, m015, m016];

export const migrationSource: Knex.MigrationSource<MigrationModule> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (m) => m.name,
  getMigration: async (m) => ({ up: m.up, down: m.down }),
};

/**
 * The connector_secrets table: one sealed JSON object of named values per connector. The
 * values are the operator's, of no tenant, so every access is unscoped.
 */
import type { Store } from './store.js';
import type { Vault } from '../secrets/vault.js';
import { fromJson, toJson } from './json.js';
import { sealContext } from './sealed.js';

export interface StoredConnectorSecrets {
  values: Record<string, string>;
  /** Epoch ms of the last change; absent when nothing is stored. */
  updatedAt?: number;
}

const REASON = 'connector-level secrets are the operator\'s, of no tenant';

export class ConnectorSecretsRepo {
  constructor(private readonly store: Store, private readonly vault: Vault) {}

  async get(connector: string): Promise<StoredConnectorSecrets> {
    const r = await this.store.unscoped(REASON).from('connector_secrets').where('id', connector).first();
    if (!r) return { values: {} };
    return { values: fromJson(this.vault.open(r.secrets, sealContext('connector_secrets', 'secrets', connector)), {}), updatedAt: Number(r.updated_at) };
  }

  /** Whether changes made by other processes are heard (PostgreSQL). */
  get notified(): boolean {
    return this.store.invalidations.crossProcess;
  }

  /** Calls `fn` with a connector id when its secrets or an OAuth app of it change in any process, or with nothing to drop all. */
  watch(fn: (connector?: string) => void): () => void {
    return this.store.invalidations.subscribe((c) => {
      if (c.kind === 'all') fn();
      else if (c.kind === 'connector_secrets' || c.kind === 'oauth_app') fn(c.id);
    });
  }

  /** Replaces the connector's values with `values`. */
  async put(connector: string, values: Record<string, string>): Promise<void> {
    await this.store.unscoped(REASON).from('connector_secrets')
      .insert({ id: connector, secrets: this.vault.seal(toJson(values), sealContext('connector_secrets', 'secrets', connector)), updated_at: this.store.now() })
      .onConflict('id').merge(['secrets', 'updated_at']);
    await this.store.invalidations.publish('connector_secrets', '*', connector);
  }
}

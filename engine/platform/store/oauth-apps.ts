/**
 * The oauth_apps table: one OAuth client registration per tenant (`*` for the operator's)
 * and connector. The client secret is sealed here on the way in and opened on the way out;
 * which layer wins (environment, operator, tenant) is engine/platform/oauth/apps.ts's business.
 */
import type { Store } from './store.js';
import type { Vault } from '../secrets/vault.js';
import { fromJson, iso, toJson } from './json.js';
import { newId } from './ids.js';
import { sealContext } from './sealed.js';

export interface StoredOAuthApp {
  id: string;
  tenant: string;
  connector: string;
  /** '' when a tenant's app leaves the client id to the operator's. */
  clientId: string;
  /** Opened. */
  clientSecret?: string;
  returnUrls: string[];
  scopes: string[] | null;
  updatedAt?: string;
}

/** Fields to change; absent ones keep their stored values. */
export interface OAuthAppPatch {
  clientId?: string;
  /** `null` removes the stored secret. */
  clientSecret?: string | null;
  returnUrls?: string[];
  scopes?: string[] | null;
}

type Row = Record<string, any>;

export class OAuthAppsRepo {
  constructor(private readonly store: Store, private readonly vault: Vault) {}

  private open(r: Row): StoredOAuthApp {
    return {
      id: r.id,
      tenant: r.tenant,
      connector: r.connector,
      clientId: r.client_id ?? '',
      clientSecret: r.client_secret ? this.vault.open(r.client_secret, sealContext('oauth_apps', 'client_secret', r.id)) : undefined,
      returnUrls: fromJson<string[]>(r.return_urls, []),
      scopes: fromJson<string[] | null>(r.scopes, null),
      updatedAt: iso(r.updated_at),
    };
  }

  async find(tenant: string, connector: string): Promise<StoredOAuthApp | undefined> {
    const r = await this.store.scope(tenant).from('oauth_apps').where('connector', connector).first();
    return r ? this.open(r) : undefined;
  }

  /** Creates the tenant's app for the connector, or changes the one stored. */
  async save(tenant: string, connector: string, patch: OAuthAppPatch): Promise<void> {
    const now = this.store.now();
    await this.store.scope(tenant).transaction(async (trx) => {
      const existing = await trx.from('oauth_apps').select('id').where('connector', connector).first();
      const id: string = existing?.id ?? newId('oapp');
      const set: Row = { updated_at: now };
      if (patch.clientId !== undefined) set.client_id = patch.clientId;
      if (patch.clientSecret === null) set.client_secret = null;
      else if (patch.clientSecret !== undefined) set.client_secret = this.vault.seal(patch.clientSecret, sealContext('oauth_apps', 'client_secret', id));
      if (patch.returnUrls !== undefined) set.return_urls = toJson(patch.returnUrls);
      if (patch.scopes !== undefined) set.scopes = patch.scopes === null ? null : toJson(patch.scopes);
      if (existing) {
        await trx.from('oauth_apps').where('id', id).update(set);
        return;
      }
      await trx.insert('oauth_apps', { id, connector, client_id: '', return_urls: '[]', created_at: now, ...set });
    });
    await this.store.invalidations.publish('oauth_app', tenant, connector);
  }

  async remove(tenant: string, connector: string): Promise<boolean> {
    const removed = (await this.store.scope(tenant).from('oauth_apps').where('connector', connector).delete()) > 0;
    if (removed) await this.store.invalidations.publish('oauth_app', tenant, connector);
    return removed;
  }

  /** Every stored app's tenant and connector, by connector then tenant (the operator's listing). */
  async listAll(): Promise<Array<{ tenant: string; connector: string }>> {
    return (await this.store.unscoped('operator listing of OAuth apps').from('oauth_apps')
      .select('tenant', 'connector').orderBy('connector').orderBy('tenant')) as Array<{ tenant: string; connector: string }>;
  }
}

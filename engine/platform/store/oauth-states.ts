/**
 * The oauth_states table: one row per consent started, keyed by a hash of its `state`, with
 * the PKCE verifier sealed. `markUsed` is one conditional UPDATE (`used_at IS NULL`), so of
 * any number of concurrent callbacks with the same state exactly one wins, on SQLite and
 * PostgreSQL alike.
 */
import type { Store } from './store.js';
import type { Vault } from '../secrets/vault.js';
import { fromJson, toJson } from './json.js';
import { sealContext } from './sealed.js';

export interface NewOAuthStateRow {
  /** The hash of the state value, never the value. */
  id: string;
  tenant: string;
  connector: string;
  auth: string;
  redirectUri: string;
  codeVerifier?: string;
  data: { connection_name: string; return_url: string; config?: Record<string, unknown>; environment?: string };
  createdAt: number;
  expiresAt: number;
}

/** A stored state; the verifier stays sealed until `openVerifier`, so only a state that passes its checks is opened. */
export interface OAuthStateRow extends Omit<NewOAuthStateRow, 'codeVerifier'> {
  sealedVerifier?: string;
}

export class OAuthStatesRepo {
  constructor(private readonly store: Store, private readonly vault: Vault) {}

  now(): number {
    return this.store.now();
  }

  async insert(s: NewOAuthStateRow): Promise<void> {
    await this.store.scope(s.tenant).insert('oauth_states', {
      id: s.id,
      connector: s.connector,
      auth: s.auth,
      code_verifier: s.codeVerifier ? this.vault.seal(s.codeVerifier, sealContext('oauth_states', 'code_verifier', s.id)) : null,
      redirect_uri: s.redirectUri,
      data: toJson(s.data),
      created_at: s.createdAt,
      expires_at: s.expiresAt,
    });
  }

  /** The callback arrives without a tenant: the state row names it. */
  async find(id: string): Promise<OAuthStateRow | undefined> {
    const row = await this.store.unscoped('oauth callback: the state row names its tenant').from('oauth_states').where('id', id).first();
    if (!row) return undefined;
    return {
      id,
      tenant: row.tenant,
      connector: row.connector,
      auth: row.auth,
      redirectUri: row.redirect_uri,
      sealedVerifier: row.code_verifier || undefined,
      data: fromJson<OAuthStateRow['data']>(row.data, {} as never),
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
    };
  }

  openVerifier(row: OAuthStateRow): string | undefined {
    return row.sealedVerifier ? this.vault.open(row.sealedVerifier, sealContext('oauth_states', 'code_verifier', row.id)) : undefined;
  }

  /** True for the one caller that marks the state used; false once anyone has. */
  async markUsed(id: string, at: number): Promise<boolean> {
    const won = await this.store.unscoped('oauth callback: the state row names its tenant').from('oauth_states').where('id', id).whereNull('used_at').update({ used_at: at });
    return won === 1;
  }

  async deleteExpiredBefore(at: number): Promise<number> {
    return this.store.unscoped('expire every tenant\'s stale consent states').from('oauth_states').where('expires_at', '<', at).delete();
  }
}

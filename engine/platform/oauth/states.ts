/**
 * Consent `state` values: random, single use, expiring, bound to what the flow was started
 * for (tenant, connector, auth method, connection name, return URL, redirect URI).
 *
 * Only a hash of the state is stored, so the table alone cannot be used to complete someone
 * else's consent; the PKCE verifier is sealed. Consuming is one conditional UPDATE (`used_at
 * IS NULL`), so of any number of concurrent callbacks with the same state exactly one wins,
 * on SQLite and PostgreSQL alike.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';
import { fromJson, toJson } from '../store/json.js';
import { sealContext } from '../store/sealed.js';
import type { Vault } from '../secrets/vault.js';

export const STATE_TTL_MS = 10 * 60_000;
/** States longer than this cannot be ours; they are rejected before touching the database. */
const MAX_STATE_LENGTH = 256;

export interface NewOAuthState {
  tenant: string;
  connector: string;
  auth: string;
  connectionName: string;
  returnUrl: string;
  redirectUri: string;
  codeVerifier?: string;
  /** Config for a new connection (non-secret by definition). */
  config?: Record<string, unknown>;
}

export type ConsumedState = NewOAuthState;

export type ConsumeResult =
  | { ok: true; state: ConsumedState }
  | { ok: false; reason: 'invalid_state' }
  /** The state was real, so its return URL is trustworthy and the user can be sent back there. */
  | { ok: false; reason: 'state_reused' | 'state_expired'; returnUrl: string; tenant: string; connector: string };

export const stateId = (state: string) => createHash('sha256').update(state).digest('base64url');

export class OAuthStates {
  constructor(
    private readonly store: Store,
    private readonly vault: Vault,
    private readonly ttlMs = STATE_TTL_MS,
  ) {}

  async create(input: NewOAuthState): Promise<{ state: string; expiresAt: number }> {
    const state = randomBytes(32).toString('base64url');
    const id = stateId(state);
    const now = this.store.now();
    const expiresAt = now + this.ttlMs;
    await this.store.scope(input.tenant).insert('oauth_states', {
      id,
      connector: input.connector,
      auth: input.auth,
      code_verifier: input.codeVerifier ? this.vault.seal(input.codeVerifier, sealContext('oauth_states', 'code_verifier', id)) : null,
      redirect_uri: input.redirectUri,
      data: toJson({ connection_name: input.connectionName, return_url: input.returnUrl, config: input.config }),
      created_at: now,
      expires_at: expiresAt,
    });
    return { state, expiresAt };
  }

  async consume(state: string | undefined): Promise<ConsumeResult> {
    if (typeof state !== 'string' || state === '' || state.length > MAX_STATE_LENGTH) return { ok: false, reason: 'invalid_state' };
    const id = stateId(state);
    // The callback arrives without a tenant: the state itself names it.
    const db = this.store.unscoped('oauth callback: the state row names its tenant');
    const row = await db.from('oauth_states').where('id', id).first();
    if (!row) return { ok: false, reason: 'invalid_state' };
    const data = fromJson<{ connection_name: string; return_url: string; config?: Record<string, unknown> }>(row.data, {} as never);
    const now = this.store.now();
    const won = await db.from('oauth_states').where('id', id).whereNull('used_at').update({ used_at: now });
    const bound = { returnUrl: data.return_url, tenant: row.tenant as string, connector: row.connector as string };
    if (won !== 1) return { ok: false, reason: 'state_reused', ...bound };
    if (Number(row.expires_at) <= now) return { ok: false, reason: 'state_expired', ...bound };
    return {
      ok: true,
      state: {
        tenant: row.tenant,
        connector: row.connector,
        auth: row.auth,
        connectionName: data.connection_name,
        returnUrl: data.return_url,
        redirectUri: row.redirect_uri,
        codeVerifier: row.code_verifier ? this.vault.open(row.code_verifier, sealContext('oauth_states', 'code_verifier', id)) : undefined,
        config: data.config,
      },
    };
  }

  /** Deletes states that expired more than `graceMs` ago (kept a while so a late callback still says "expired"). */
  async purgeExpired(graceMs = 24 * 3_600_000): Promise<number> {
    return this.store.unscoped('expire every tenant\'s stale consent states').from('oauth_states').where('expires_at', '<', this.store.now() - graceMs).delete();
  }
}

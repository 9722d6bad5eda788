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
import type { OAuthStatesRepo } from '../store/oauth-states.js';

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
  /** The environment the consent was started for (its OAuth endpoints). */
  environment?: string;
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
    private readonly repo: OAuthStatesRepo,
    private readonly ttlMs = STATE_TTL_MS,
  ) {}

  async create(input: NewOAuthState): Promise<{ state: string; expiresAt: number }> {
    const state = randomBytes(32).toString('base64url');
    const now = this.repo.now();
    const expiresAt = now + this.ttlMs;
    await this.repo.insert({
      id: stateId(state),
      tenant: input.tenant,
      connector: input.connector,
      auth: input.auth,
      redirectUri: input.redirectUri,
      codeVerifier: input.codeVerifier,
      data: { connection_name: input.connectionName, return_url: input.returnUrl, config: input.config, ...(input.environment ? { environment: input.environment } : {}) },
      createdAt: now,
      expiresAt,
    });
    return { state, expiresAt };
  }

  async consume(state: string | undefined): Promise<ConsumeResult> {
    if (typeof state !== 'string' || state === '' || state.length > MAX_STATE_LENGTH) return { ok: false, reason: 'invalid_state' };
    const row = await this.repo.find(stateId(state));
    if (!row) return { ok: false, reason: 'invalid_state' };
    const { data } = row;
    const now = this.repo.now();
    const won = await this.repo.markUsed(row.id, now);
    const bound = { returnUrl: data.return_url, tenant: row.tenant, connector: row.connector };
    if (!won) return { ok: false, reason: 'state_reused', ...bound };
    if (row.expiresAt <= now) return { ok: false, reason: 'state_expired', ...bound };
    return {
      ok: true,
      state: {
        tenant: row.tenant,
        connector: row.connector,
        auth: row.auth,
        connectionName: data.connection_name,
        returnUrl: data.return_url,
        redirectUri: row.redirectUri,
        codeVerifier: this.repo.openVerifier(row),
        config: data.config,
        ...(typeof data.environment === 'string' ? { environment: data.environment } : {}),
      },
    };
  }

  /** Deletes states that expired more than `graceMs` ago (kept a while so a late callback still says "expired"). */
  purgeExpired(graceMs = 24 * 3_600_000): Promise<number> {
    return this.repo.deleteExpiredBefore(this.repo.now() - graceMs);
  }
}

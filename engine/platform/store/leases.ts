/**
 * Named leases: at most one holder at a time, taken with a single conditional UPDATE so two
 * processes racing for it cannot both win, on SQLite or PostgreSQL alike. A holder that
 * stops renewing loses it when it expires; `renew` doubles as a fence, failing once another
 * holder has taken over, so a stalled process cannot commit behind a newer one.
 */
import type { TenantScope } from './scope.js';

export class LeasesRepo {
  constructor(private readonly now: () => number) {}

  async acquire(scope: TenantScope, key: string, holder: { owner: string; runId: string }, ttlMs: number): Promise<boolean> {
    const now = this.now();
    await scope.insert('leases', { id: key, owner: null, expires_at: 0, run_id: null, updated_at: now }).onConflict('id').ignore();
    const n = await scope
      .from('leases')
      .where('id', key)
      .where('expires_at', '<', now)
      .update({ owner: holder.owner, run_id: holder.runId, expires_at: now + ttlMs, updated_at: now });
    return n === 1;
  }

  /** Extends the lease if `runId` still holds it; false means it was lost. */
  async renew(scope: TenantScope, key: string, runId: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const n = await scope.from('leases').where({ id: key, run_id: runId }).update({ expires_at: now + ttlMs, updated_at: now });
    return n === 1;
  }

  /** Frees the lease; `note` stays in the owner column for the next holder to read (see `holder`). */
  async release(scope: TenantScope, key: string, runId: string, note?: string): Promise<void> {
    await scope.from('leases').where({ id: key, run_id: runId }).update({ owner: note ?? null, run_id: null, expires_at: 0, updated_at: this.now() });
  }

  async holder(scope: TenantScope, key: string): Promise<{ owner?: string; runId?: string; expiresAt: number } | undefined> {
    const r = await scope.from('leases').select('owner', 'run_id', 'expires_at').where('id', key).first();
    return r ? { owner: r.owner ?? undefined, runId: r.run_id ?? undefined, expiresAt: Number(r.expires_at) } : undefined;
  }
}

export function syncLeaseKey(connectionId: string, stream: string): string {
  return `sync:${connectionId}:${stream}`;
}

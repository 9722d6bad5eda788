/**
 * Caller idempotency keys, as the most widely used payment APIs keep them: per tenant and connection, a key names one
 * request (the hash of its canonical form) and, once it ended, its reply. A retry with the
 * same key and request gets that reply again; the same key with another request is a
 * mistake; a retry while the first is still running must wait. Rows live 24 h from the first
 * request, and expired ones are deleted by the next write of the same tenant.
 */
import type { Store } from './store.js';
import type { TenantScope } from './scope.js';

export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** An in-flight claim older than this is taken over: its process died before finishing. */
export const IDEMPOTENCY_LOCK_MS = 5 * 60_000;

export interface StoredReply {
  status: number;
  body: unknown;
}

export type IdempotencyClaim =
  | { kind: 'new' }
  | { kind: 'replay'; reply: StoredReply }
  | { kind: 'reused' }
  | { kind: 'in_flight' };

type Row = Record<string, any>;

/** Unique-key violation on SQLite or PostgreSQL: another request inserted the key first. */
function isDuplicate(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT' || /UNIQUE constraint failed|duplicate key/i.test(e?.message ?? '');
}

export class IdempotencyRepo {
  constructor(private readonly store: Store, private readonly opts: { ttlMs?: number; lockMs?: number } = {}) {}

  private get ttl(): number {
    return this.opts.ttlMs ?? IDEMPOTENCY_TTL_MS;
  }

  private get lock(): number {
    return this.opts.lockMs ?? IDEMPOTENCY_LOCK_MS;
  }

  /** Claims `key` for a request with `hash`, or says why not (a stored reply, another request, one in flight). */
  async claim(tenant: string, connectionId: string, key: string, hash: string): Promise<IdempotencyClaim> {
    const scope = this.store.scope(tenant);
    const now = this.store.now();
    await scope.from('idempotency_keys').where('expires_at', '<=', now).delete();
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await scope.insert('idempotency_keys', {
          connection_id: connectionId, key, request_hash: hash, state: 'in_flight',
          created_at: now, locked_until: now + this.lock, expires_at: now + this.ttl,
        });
        return { kind: 'new' };
      } catch (err) {
        if (!isDuplicate(err)) throw err;
      }
      const row = (await this.row(scope, connectionId, key)) as Row | undefined;
      if (!row) continue; // deleted between the insert and the read: try the insert again
      if (row.request_hash !== hash) return { kind: 'reused' };
      if (row.state === 'done') return { kind: 'replay', reply: { status: Number(row.response_status), body: JSON.parse(String(row.response_body)) } };
      if (Number(row.locked_until) > now) return { kind: 'in_flight' };
      // A dead process's claim: take it over, unless someone else just did.
      const taken = await scope.from('idempotency_keys')
        .where({ connection_id: connectionId, key, state: 'in_flight', locked_until: row.locked_until })
        .update({ locked_until: now + this.lock });
      return taken === 1 ? { kind: 'new' } : { kind: 'in_flight' };
    }
    return { kind: 'in_flight' };
  }

  /** Stores the reply of a claimed key; it is replayed until the key expires. */
  async complete(tenant: string, connectionId: string, key: string, reply: StoredReply): Promise<void> {
    await this.store.scope(tenant).from('idempotency_keys').where({ connection_id: connectionId, key })
      .update({ state: 'done', response_status: reply.status, response_body: JSON.stringify(reply.body ?? null) });
  }

  /** Gives a claimed key up (the request failed in a way worth retrying), so a retry runs again. */
  async release(tenant: string, connectionId: string, key: string): Promise<void> {
    await this.store.scope(tenant).from('idempotency_keys').where({ connection_id: connectionId, key, state: 'in_flight' }).delete();
  }

  private row(scope: TenantScope, connectionId: string, key: string): Promise<Row | undefined> {
    return scope.from('idempotency_keys').where({ connection_id: connectionId, key }).first();
  }
}

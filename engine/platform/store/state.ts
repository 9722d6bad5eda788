/**
 * Per-stream state (the engine's incremental cursor and resume position) and the stream's
 * change counter. The row is created on first use and never deleted while the connection is.
 */
import type { TenantScope } from './scope.js';
import { fromJson, toJson } from './json.js';

export type StreamState = Record<string, unknown>;

export class StateRepo {
  constructor(private readonly now: () => number) {}

  async ensure(scope: TenantScope, connectionId: string, stream: string): Promise<void> {
    await scope
      .insert('stream_state', { connection_id: connectionId, stream, state: '{}', change_seq: 0, updated_at: this.now() })
      .onConflict(['connection_id', 'stream'])
      .ignore();
  }

  async get(scope: TenantScope, connectionId: string, stream: string): Promise<StreamState | undefined> {
    const r = await scope.from('stream_state').select('state').where({ connection_id: connectionId, stream }).first();
    const state = fromJson<StreamState>(r?.state, {});
    return Object.keys(state).length ? state : undefined;
  }

  async list(scope: TenantScope, connectionId: string): Promise<Array<{ stream: string; state: StreamState; updatedAt: number }>> {
    const rows = await scope.from('stream_state').select('stream', 'state', 'updated_at').where('connection_id', connectionId).orderBy('stream');
    return rows.map((r: Record<string, any>) => ({ stream: r.stream, state: fromJson(r.state, {}), updatedAt: Number(r.updated_at) }));
  }

  async save(scope: TenantScope, connectionId: string, stream: string, state: StreamState | undefined): Promise<void> {
    await scope.from('stream_state').where({ connection_id: connectionId, stream }).update({ state: toJson(state ?? {}), updated_at: this.now() });
  }

  /**
   * Reserves `n` consecutive change numbers and returns the first. Must run inside the
   * transaction that writes the changes: the row lock it takes is what keeps the feed's
   * order equal to commit order.
   */
  async allocateSeq(scope: TenantScope, connectionId: string, stream: string, n: number): Promise<number> {
    const where = { connection_id: connectionId, stream };
    // Writers other than syncs (webhook upserts) may touch a stream never synced before.
    if ((await scope.from('stream_state').where(where).increment('change_seq', n)) === 0) {
      await this.ensure(scope, connectionId, stream);
      await scope.from('stream_state').where(where).increment('change_seq', n);
    }
    const r = await scope.from('stream_state').select('change_seq').where(where).first();
    return Number(r.change_seq) - n + 1;
  }
}

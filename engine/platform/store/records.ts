/**
 * Synced records. Writes happen a page at a time inside the caller's transaction: a record
 * is rewritten only when its content hash changed (or it comes back from deletion), and
 * every write takes the next change number of its stream, which is what the change feed
 * pages through.
 */
import type { TenantScope } from './scope.js';
import { batchAfter, decodeCursor, encodeCursor, invalidCursor, keysetPage, pageLimit, LIMITS, type Page, type PageKey, type PageRequest } from './paging.js';
import type { StateRepo } from './state.js';
import { contentHash, fromJson, iso, toJson } from './json.js';
import type { UpsertShape } from './upsert.js';
import { applyFilters, checkFilters, type RecordFilter } from './record-filters.js';

export interface IncomingRecord {
  externalId: string;
  data: unknown;
}

/** A record serialised and hashed, ready to write; see `prepareRecords`. */
export interface PreparedRecord {
  externalId: string;
  text: string;
  hash: string;
}

export interface WriteTarget {
  connectionId: string;
  stream: string;
  model?: string;
}

/**
 * The CPU half of a page write, kept apart so a sync can do it for the next page while the
 * database commits the current one. Keys repeated within a page: the last occurrence wins.
 */
export function prepareRecords(records: IncomingRecord[]): PreparedRecord[] {
  const byId = new Map<string, unknown>();
  for (const r of records) byId.set(r.externalId, r.data);
  const out: PreparedRecord[] = [];
  for (const [externalId, data] of byId) out.push({ externalId, text: toJson(data), hash: contentHash(data) });
  return out;
}

export interface PageWriteResult {
  written: number;
  unchanged: number;
}

export interface StoredRecord {
  id: string;
  data: unknown;
  model?: string;
  createdAt: string;
  updatedAt: string;
  deletedAt?: string;
}

export type ChangeAction = 'added' | 'updated' | 'deleted';

export interface RecordChange extends StoredRecord {
  action: ChangeAction;
  /** Change sequence; the feed's cursor is the last one seen. */
  seq: number;
}

/**
 * A page of the change feed. Unlike other lists its `nextCursor` is never null: it is the
 * feed position after this page (the input position when nothing changed), where a client
 * resumes later.
 */
export interface ChangePage extends Page<RecordChange> {
  nextCursor: string;
}

/** A page of stored records: every condition given must hold. */
export interface RecordQuery extends PageRequest {
  includeDeleted?: boolean;
  /** Only records Patchbay wrote (added, changed or deleted) at or after this time, epoch ms. */
  updatedSince?: number;
  /** Conditions on the record's fields (its mapped data). */
  filters?: RecordFilter[];
}

const RECORD_LIMITS = LIMITS.records;
const CHANGE_LIMITS = LIMITS.changes;

const RECORD_KEY: PageKey[] = [{ column: 'id', order: 'asc', type: 'number' }];

type Row = Record<string, any>;

// 12 values a row: well under SQLite's 32,766 bound parameters.
const WRITE_CHUNK = 1000;

/** Rewrites a stored record only when its content changed or it comes back from deletion. */
const RECORD_UPSERT: UpsertShape = {
  table: 'records',
  columns: ['connection_id', 'stream', 'external_id', 'data', 'hash', 'model', 'created_at', 'updated_at', 'deleted_at', 'seq', 'first_seq'],
  conflict: ['connection_id', 'stream', 'external_id'],
  update: ['data', 'hash', 'model', 'updated_at', 'deleted_at', 'seq'],
  when: '"records"."hash" <> excluded."hash" or "records"."deleted_at" is not null',
};
const READ_CHUNK = 900;

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

function toStored(r: Row): StoredRecord {
  return {
    id: r.external_id,
    data: fromJson(r.data, null),
    model: r.model ?? undefined,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    deletedAt: iso(r.deleted_at),
  };
}

const CURSOR_RE = /^(0|[1-9][0-9]{0,15})$/;

/**
 * A change sequence in the form the feed handed out before cursors were opaque (`since`, a
 * plain non-negative decimal integer), kept as a deprecated alias. Anything else (`abc`,
 * `-1`, `1e3`, `0x10`, beyond 2^53) is refused rather than read as "from the start".
 */
export function parseSince(value: string | number | undefined, param: string): number {
  if (value === undefined || value === '') return 0;
  const text = String(value);
  const n = CURSOR_RE.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw invalidCursor(param, text, 'is not a cursor this API returned (a change sequence: a non-negative integer)');
  return n;
}

/** The feed position of a change-feed cursor (or of the deprecated `since`). */
export function changePosition(opts: { cursor?: string | null; since?: string; param?: string; sinceParam?: string }): number {
  if (opts.cursor != null) {
    const [seq] = decodeCursor(opts.cursor, ['number'], opts.param ?? 'cursor') as [number];
    if (seq < 0) throw invalidCursor(opts.param ?? 'cursor', opts.cursor);
    return seq;
  }
  return parseSince(opts.since, opts.sinceParam ?? 'since');
}

export class RecordsRepo {
  constructor(private readonly state: StateRepo, private readonly now: () => number) {}

  /** Upserts one page; see `writePrepared`. */
  writePage(scope: TenantScope, target: WriteTarget, records: IncomingRecord[]): Promise<PageWriteResult> {
    return this.writePrepared(scope, target, prepareRecords(records));
  }

  /**
   * Upserts prepared records in one statement per chunk: the conflict clause rewrites a
   * stored record only when its hash differs or it was deleted, and RETURNING tells written
   * from unchanged. Every row is given a change number up front; unchanged rows leave theirs
   * unused, and the gaps are harmless to the feed, which only needs the numbers to grow in
   * commit order. Call inside a transaction that has already written (SQLite lock order).
   */
  async writePrepared(scope: TenantScope, target: WriteTarget, prepared: PreparedRecord[]): Promise<PageWriteResult> {
    const { connectionId, stream } = target;
    if (prepared.length === 0) return { written: 0, unchanged: 0 };
    let seq = await this.state.allocateSeq(scope, connectionId, stream, prepared.length);
    const now = this.now();
    const model = target.model ?? null;
    // Values in RECORD_UPSERT.columns order.
    const rows = prepared.map((p) => {
      const n = seq++;
      return [connectionId, stream, p.externalId, p.text, p.hash, model, now, now, null, n, n];
    });
    let written = 0;
    for (const part of chunks(rows, WRITE_CHUNK)) written += await scope.upsert(RECORD_UPSERT, part);
    return { written, unchanged: prepared.length - written };
  }

  /** Soft-deletes the given ids (those present and not yet deleted); returns how many. */
  async markDeleted(scope: TenantScope, connectionId: string, stream: string, externalIds: string[]): Promise<number> {
    let count = 0;
    for (const ids of chunks(externalIds, READ_CHUNK)) {
      const live = (await scope
        .from('records')
        .select('id')
        .where({ connection_id: connectionId, stream })
        .whereIn('external_id', ids)
        .whereNull('deleted_at')
        .orderBy('id')) as Row[];
      if (live.length === 0) continue;
      let seq = await this.state.allocateSeq(scope, connectionId, stream, live.length);
      const now = this.now();
      for (const r of live) {
        await scope.from('records').where('id', r.id).update({ deleted_at: now, updated_at: now, seq: seq++ });
      }
      count += live.length;
    }
    return count;
  }

  /** Soft-deletes every live record of the stream whose id is not in `seen`. */
  async markUnseenDeleted(scope: TenantScope, connectionId: string, stream: string, seen: ReadonlySet<string>): Promise<number> {
    const missing: string[] = [];
    let after = 0;
    for (;;) {
      const rows = (await scope
        .from('records')
        .select('id', 'external_id')
        .where({ connection_id: connectionId, stream })
        .whereNull('deleted_at')
        .modify(batchAfter, after, READ_CHUNK)) as Row[];
      if (rows.length === 0) break;
      after = Number(rows[rows.length - 1].id);
      for (const r of rows) if (!seen.has(r.external_id)) missing.push(r.external_id);
    }
    return missing.length ? this.markDeleted(scope, connectionId, stream, missing) : 0;
  }

  async get(scope: TenantScope, connectionId: string, stream: string, externalId: string): Promise<StoredRecord | undefined> {
    const r = await scope.from('records').where({ connection_id: connectionId, stream, external_id: externalId }).first();
    return r ? toStored(r) : undefined;
  }

  /** Records in insertion order, optionally only those matching every filter (record-filters.ts). */
  async list(scope: TenantScope, connectionId: string, stream: string, opts: RecordQuery = {}): Promise<Page<StoredRecord>> {
    const q = scope.from('records').where({ connection_id: connectionId, stream });
    if (!opts.includeDeleted) q.whereNull('deleted_at');
    if (opts.updatedSince !== undefined) q.where('updated_at', '>=', opts.updatedSince);
    if (opts.filters?.length) applyFilters(q, scope.dialect, checkFilters(opts.filters));
    return keysetPage(q, RECORD_KEY, opts, toStored, RECORD_LIMITS);
  }

  async count(scope: TenantScope, connectionId: string, stream: string, opts: { includeDeleted?: boolean } = {}): Promise<number> {
    const q = scope.from('records').where({ connection_id: connectionId, stream }).count({ n: '*' });
    if (!opts.includeDeleted) q.whereNull('deleted_at');
    const r = (await q) as Row[];
    return Number(r[0].n);
  }

  /**
   * What changed after the cursor's position, in change order; a record appears once, in
   * its latest state. The cursor is the feed's change sequence; `since` is its deprecated
   * plain-integer form.
   */
  async changes(
    scope: TenantScope,
    connectionId: string,
    stream: string,
    opts: PageRequest & { since?: string; sinceParam?: string } = {},
  ): Promise<ChangePage> {
    const param = opts.param ?? 'cursor';
    const since = changePosition(opts);
    if (since > 0) {
      // A point past the feed's end was never handed out; reading from it would skip the changes up to it.
      const r = await scope.from('stream_state').select('change_seq').where({ connection_id: connectionId, stream }).first();
      const last = Number(r?.change_seq ?? 0);
      if (since > last) {
        const [name, value] = opts.cursor != null ? [param, opts.cursor] : [opts.sinceParam ?? 'since', String(opts.since)];
        throw invalidCursor(name, value, `is past the end of this change feed (last change ${last})`);
      }
    }
    const limit = pageLimit(opts.limit, CHANGE_LIMITS);
    const rows = (await scope
      .from('records')
      .where({ connection_id: connectionId, stream })
      .where('seq', '>', since)
      .orderBy('seq')
      .limit(limit + 1)) as Row[];
    const page = rows.slice(0, limit);
    const items = page.map((r): RecordChange => ({
      ...toStored(r),
      seq: Number(r.seq),
      action: r.deleted_at != null ? 'deleted' : Number(r.first_seq) > since ? 'added' : 'updated',
    }));
    return { items, nextCursor: encodeCursor([page.length ? items[items.length - 1].seq : since]), hasMore: rows.length > limit };
  }
}

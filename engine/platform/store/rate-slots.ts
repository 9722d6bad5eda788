/**
 * The rate_slots table: request slots granted to processes sharing one budget. Each row
 * counts a key's grants for one window length in buckets of a fiftieth of the window; a
 * grant is counted from its bucket's start until that bucket has wholly left the window, so
 * the count can run high (the window looks up to one bucket longer) but never low.
 *
 * Granted slots may be used for `holdMs` after the grant, and a request reaches the provider
 * some time after it was sent, so a grant is counted for perMs + holdMs + marginMs: any
 * window of perMs at the provider then sees at most `requests` calls, whichever process
 * sent them and whenever within its hold it used them. Takes on one row are serialized by
 * a row lock (PostgreSQL) or by SQLite's single writer.
 */
import type { Knex } from 'knex';
import type { Store } from './store.js';

const TABLE = 'rate_slots';
const CONNECTOR_WIDE = 'a connector-wide request budget is shared by every tenant of the connector';
const PURGE = 'the purge removes every tenant\'s rate slot rows whose grants have all expired';

export interface SlotTiming {
  /** How long granted slots may be used. */
  holdMs: number;
  /** Allowance for the time between sending and the provider's count, and for clocks that differ a little. */
  marginMs: number;
  bucketMs: number;
}

/** A tenth of the window to use a batch (at most a minute), a twentieth (at most a second) of margin, fifty buckets. */
export function slotTiming(perMs: number): SlotTiming {
  return {
    holdMs: Math.max(1, Math.min(60_000, Math.floor(perMs / 10))),
    marginMs: Math.min(1000, Math.ceil(perMs / 20)),
    bucketMs: Math.max(1, Math.ceil(perMs / 50)),
  };
}

export interface SlotTake {
  granted: number;
  /** The store clock when the grant was decided; the other times are on it. */
  now: number;
  expiresAt?: number;
  retryAt?: number;
}

type Bucket = [start: number, count: number];

function parseBuckets(raw: unknown): Bucket[] {
  try {
    const v = JSON.parse(String(raw)) as unknown;
    return Array.isArray(v) ? v.filter((b): b is Bucket => Array.isArray(b) && b.length === 2 && b.every((x) => typeof x === 'number')) : [];
  } catch {
    return [];
  }
}

/** The grant decision on one row's buckets, pure so it can be read (and tested) apart from the SQL. */
export function decide(buckets: Bucket[], requests: number, perMs: number, n: number, now: number): { buckets: Bucket[]; take: SlotTake; expiresAt: number } {
  const { holdMs, marginMs, bucketMs } = slotTiming(perMs);
  const span = perMs + holdMs + marginMs;
  const live = buckets.filter(([start]) => start + bucketMs + span > now).sort((a, b) => a[0] - b[0]);
  const used = live.reduce((sum, [, c]) => sum + c, 0);
  const granted = Math.max(0, Math.min(n, requests - used));
  let take: SlotTake;
  if (granted > 0) {
    const start = Math.floor(now / bucketMs) * bucketMs;
    const last = live[live.length - 1];
    if (last && last[0] === start) last[1] += granted;
    else live.push([start, granted]);
    take = { granted, now, expiresAt: now + holdMs };
  } else {
    // The first moment enough old grants have left the window for one more.
    let left = used;
    let retryAt = now + bucketMs;
    for (const [start, c] of live) {
      left -= c;
      if (left < requests) {
        retryAt = start + bucketMs + span;
        break;
      }
    }
    take = { granted: 0, now, retryAt };
  }
  const newest = live[live.length - 1];
  return { buckets: live, take, expiresAt: newest ? newest[0] + bucketMs + span : now };
}

export class RateSlotsRepo {
  /**
   * `now` is real time, not the store's clock: the limiters that use the slots wait on real
   * timers, and a test's frozen store clock would never let a window free.
   */
  constructor(private readonly store: Store, private readonly now: () => number = Date.now) {}

  /** Grants up to `n` slots of `requests` per `perMs` for `key` (a connection's, of `tenant`; or a connector's, of none). */
  async take(budget: { key: string; tenant?: string }, window: { requests: number; perMs: number }, n: number): Promise<SlotTake> {
    const lock = this.store.dialect === 'postgres';
    const work = async (from: () => Knex.QueryBuilder, insert: (row: Record<string, unknown>) => Knex.QueryBuilder): Promise<SlotTake> => {
      const at = { key: budget.key, per_ms: window.perMs };
      await insert({ ...at, buckets: '[]', expires_at: 0, updated_at: this.now() }).onConflict(['tenant', 'key', 'per_ms']).ignore();
      const q = from().where(at).select('buckets');
      const row = (await (lock ? q.forUpdate() : q).first()) as { buckets: string } | undefined;
      // Read the clock only once the row is ours, so grants are recorded in the order they were made.
      const out = decide(parseBuckets(row?.buckets), window.requests, window.perMs, n, this.now());
      if (out.take.granted > 0) {
        await from().where(at).update({ buckets: JSON.stringify(out.buckets), expires_at: out.expiresAt, updated_at: out.take.now });
      }
      return out.take;
    };
    if (budget.tenant) {
      return this.store.scope(budget.tenant).transaction((s) => work(() => s.from(TABLE), (row) => s.insert(TABLE, row)));
    }
    return this.store.unscoped(CONNECTOR_WIDE).transaction((u) =>
      work(() => u.from(TABLE).where('tenant', ''), (row) => u.from(TABLE).insert({ ...row, tenant: '' })),
    );
  }

  /** Deletes rows whose every grant has left its window; resolves with how many. */
  async purge(): Promise<number> {
    return this.store.unscoped(PURGE).from(TABLE).where('expires_at', '<', this.now()).delete();
  }
}

/**
 * Incremental cursor bookkeeping for a read. The cursor is the largest `cursor.field` seen,
 * but a checkpoint taken mid-read may only advance while the stream has arrived in
 * ascending order: if a newer record already came before an older one, resuming from the
 * newest would skip the older records still to come, so the checkpoint stays put until the
 * read completes.
 */

type CursorValue = string | number;

function fieldOf(record: Record<string, unknown>, field: string): unknown {
  let cur: unknown = record;
  for (const key of field.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

const NUMERIC = /^-?\d+(\.\d+)?$/;
// A date-time that can carry a zone or fractions of a second, which string order gets wrong.
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

function asNumber(v: CursorValue): number | undefined {
  if (typeof v === 'number') return v;
  return NUMERIC.test(v) ? Number(v) : undefined;
}

function asInstant(v: CursorValue): number | undefined {
  if (typeof v !== 'string' || !ISO_DATE.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

const order = (a: number | string | bigint, b: number | string | bigint) => (a === b ? 0 : a < b ? -1 : 1);

const INTEGER = /^-?\d+$/;

/**
 * Integers past 2^53 arrive as their exact digits (engine/core/json.ts), and Number() would make
 * neighbouring ids equal (820982911946154450 and …508 are one double), so a cursor on such
 * ids would stop short of the newest. Only long integer text pays for a BigInt.
 */
function asBigInt(v: CursorValue): bigint | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : undefined;
  return INTEGER.test(v) ? BigInt(v) : undefined;
}

const long = (v: CursorValue) => typeof v === 'string' && v.length > 15;

/** Order of two cursor values: numbers numerically, ISO date-times by instant, else as strings. */
export function compareCursor(a: CursorValue, b: CursorValue): number {
  if (long(a) || long(b)) {
    const ba = asBigInt(a);
    const bb = asBigInt(b);
    if (ba !== undefined && bb !== undefined) return order(ba, bb);
  }
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== undefined && nb !== undefined) return order(na, nb);
  const ta = asInstant(a);
  const tb = asInstant(b);
  if (ta !== undefined && tb !== undefined && ta !== tb) return order(ta, tb);
  return order(String(a), String(b));
}

export class CursorTracker {
  private max: CursorValue | undefined;
  private safe: CursorValue | undefined;
  private previous: CursorValue | undefined;
  private ascending = true;

  constructor(private readonly field: string, initial: CursorValue | undefined) {
    this.max = initial;
    this.safe = initial;
  }

  observe(records: ReadonlyArray<Record<string, unknown>>): void {
    for (const r of records) {
      const v = fieldOf(r, this.field);
      if ((typeof v !== 'string' && typeof v !== 'number') || v === '') continue;
      if (this.previous !== undefined && compareCursor(v, this.previous) < 0) this.ascending = false;
      this.previous = v;
      if (this.max === undefined || compareCursor(v, this.max) > 0) this.max = v;
    }
    if (this.ascending) this.safe = this.max;
  }

  /** The value a resumed read may start from, given what has been observed so far. */
  checkpoint(): CursorValue | undefined {
    return this.safe;
  }

  /** The value once every record of the run has been observed. */
  final(): CursorValue | undefined {
    return this.max;
  }
}

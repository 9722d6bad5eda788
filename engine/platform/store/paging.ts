/**
 * The one paging dialect of every list: `limit` and an opaque `cursor` in, a page with
 * `nextCursor` and `hasMore` out. Lists page by keyset (ORDER BY a unique key, WHERE key
 * past the cursor, LIMIT n+1 to learn whether more follow), never by offset, so a row
 * written while a client pages is neither skipped nor seen twice.
 *
 * A cursor is base64url of the JSON array of the last row's key values. It is opaque to
 * clients; decoding checks its shape against the list's key, so a cursor made up, damaged
 * or taken from another list is refused with `invalid_cursor` instead of being read as
 * "from the start" (which would replay everything) or as some other position (which would skip).
 */
import type { Knex } from 'knex';
import { ConnectorError } from '../../core/errors.js';

export interface PageKey {
  column: string;
  order: 'asc' | 'desc';
  type: 'number' | 'string';
  /** Property of the row the value is read from, when it differs from `column` (a qualified column). */
  field?: string;
}

export interface PageRequest {
  limit?: number;
  /** A previous page's `nextCursor`; null or absent for the first page. */
  cursor?: string | null;
  /** How the caller names the cursor in errors: `query.cursor`, `--cursor`. */
  param?: string;
}

export interface Page<T> {
  items: T[];
  /** Where the next page starts; null when this is the last one. */
  nextCursor: string | null;
  hasMore: boolean;
}

/** Default and largest page size of a list; every list documents its own pair. */
export interface LimitRange {
  default: number;
  max: number;
}

export const DEFAULT_LIMITS: LimitRange = { default: 100, max: 1000 };

/**
 * Every list's page size, in one table for the docs, the HTTP query schemas and the CLI's
 * `--limit`. Lists that paged before kept their sizes; the catalogue is in memory and small.
 */
export const LIMITS = {
  connectors: { default: 1000, max: 1000 },
  connections: DEFAULT_LIMITS,
  records: DEFAULT_LIMITS,
  changes: DEFAULT_LIMITS,
  runs: { default: 50, max: 500 },
  events: { default: 50, max: 1000 },
  subscriptions: DEFAULT_LIMITS,
  deliveries: { default: 50, max: 200 },
  keys: DEFAULT_LIMITS,
} as const satisfies Record<string, LimitRange>;

type Position = Array<string | number>;

const MAX_CURSOR_CHARS = 1000;

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/** `value`: what the caller sent, quoted (shortened) in the message so they can spot it. */
export function invalidCursor(param: string, value: string, why = 'is not a cursor this API returned'): ConnectorError {
  const name = param.replace(/^query\./, '');
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return new ConnectorError({
    kind: 'validation', origin: 'caller',
    code: 'invalid_cursor',
    message: `${name} "${shown}" ${why}: pass the next_cursor of a previous page, or omit it to start from the beginning`,
    details: [{ path: param, message: why }],
  });
}

/** The position a cursor stands for, checked against the list's key types. */
export function decodeCursor(cursor: string, types: ReadonlyArray<PageKey['type']>, param = 'cursor'): Position {
  let value: unknown;
  if (cursor.length <= MAX_CURSOR_CHARS && /^[A-Za-z0-9_-]+$/.test(cursor)) {
    try {
      value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      value = undefined;
    }
  }
  const ok = Array.isArray(value) && value.length === types.length && value.every((v, i) =>
    types[i] === 'number' ? Number.isSafeInteger(v) : typeof v === 'string');
  if (!ok) throw invalidCursor(param, cursor);
  return value as Position;
}

/** Clamps a limit a caller already validated (schema or CLI) into the list's range. */
export function pageLimit(limit: number | undefined, range: LimitRange = DEFAULT_LIMITS): number {
  if (limit === undefined || !Number.isFinite(limit)) return range.default;
  return Math.min(Math.max(Math.trunc(limit), 1), range.max);
}

/**
 * Rows strictly after `position` in `keys` order: for keys (a, b, c),
 * a > x or (a = x and b > y) or (a = x and b = y and c > z), with < for descending keys.
 */
function whereAfter(q: Knex.QueryBuilder, keys: readonly PageKey[], position: Position): void {
  q.where((outer) => {
    keys.forEach((_, i) => {
      outer.orWhere((branch) => {
        for (let j = 0; j < i; j++) branch.where(keys[j].column, position[j]);
        branch.where(keys[i].column, keys[i].order === 'asc' ? '>' : '<', position[i]);
      });
    });
  });
}

function positionOf(row: Record<string, unknown>, keys: readonly PageKey[]): Position {
  return keys.map((k) => {
    const v = row[k.field ?? k.column];
    return k.type === 'number' ? Number(v) : String(v);
  });
}

/**
 * Runs `q` as one page: orders it by `keys` (the last must make the order unique), starts
 * after the cursor's position, and reads one row more than asked to tell whether more follow.
 */
export async function keysetPage<T>(
  q: Knex.QueryBuilder,
  keys: readonly PageKey[],
  req: PageRequest,
  map: (row: Record<string, any>) => T,
  range: LimitRange = DEFAULT_LIMITS,
): Promise<Page<T>> {
  const limit = pageLimit(req.limit, range);
  if (req.cursor != null) {
    whereAfter(q, keys, decodeCursor(req.cursor, keys.map((k) => k.type), req.param));
  }
  for (const k of keys) q.orderBy(k.column, k.order);
  const rows = (await q.limit(limit + 1)) as Array<Record<string, any>>;
  const page = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  return { items: page.map(map), nextCursor: hasMore ? encodeCursor(positionOf(page[page.length - 1], keys)) : null, hasMore };
}

/**
 * The next batch of a pass that visits every row once (a sweep, a re-seal), in `column`
 * order after the value the previous batch ended on. The keyset again, with no cursor to hand
 * out: no offset to drift as rows are added or changed behind the pass.
 */
export function batchAfter<V extends string | number>(q: Knex.QueryBuilder, after: V, limit: number, column = 'id'): Knex.QueryBuilder {
  return q.where(column, '>', after).orderBy(column).limit(limit);
}

/** The same page over a list already in memory, sorted by one unique string key. */
export function arrayPage<T>(items: readonly T[], keyOf: (item: T) => string, req: PageRequest, range: LimitRange = DEFAULT_LIMITS): Page<T> {
  const limit = pageLimit(req.limit, range);
  let start = 0;
  if (req.cursor != null) {
    const [after] = decodeCursor(req.cursor, ['string'], req.param) as [string];
    start = items.findIndex((i) => keyOf(i) > after);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + limit);
  const hasMore = start + limit < items.length;
  return { items: page, nextCursor: hasMore ? encodeCursor([keyOf(page[page.length - 1])]) : null, hasMore };
}

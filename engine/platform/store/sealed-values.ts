/**
 * Reading and re-writing the sealed columns (SEALED_COLUMNS) of any table, for key rotation:
 * which rows hold a value, and a conditional re-write of a batch of them. What to seal with,
 * and what to do with a value that will not open, is engine/platform/secrets/rotate.ts's business.
 */
import type { Store } from './store.js';
import type { Unscoped } from './scope.js';
import { batchAfter } from './paging.js';

export interface Resealed {
  id: string;
  /** The value read; the row is only re-written if it still holds it. */
  old: string;
  sealed: string;
}

export class SealedValuesRepo {
  private readonly db: Unscoped;

  constructor(store: Store) {
    this.db = store.unscoped('key rotation re-seals every tenant\'s secrets');
  }

  /** Rows of `table` with a value in `column`, in id order after `after`. */
  async valuesAfter(table: string, column: string, after: string, limit: number): Promise<Array<{ id: string; value: string }>> {
    const rows = (await batchAfter(this.db.from(table).select('id', column).whereNotNull(column), after, limit)) as Array<Record<string, string>>;
    return rows.map((r) => ({ id: r.id, value: r[column] }));
  }

  /** Ids of `table` (whether or not they hold a value) in id order after `after`. */
  async idsAfter(table: string, after: string, limit: number): Promise<string[]> {
    return ((await batchAfter(this.db.from(table).select('id'), after, limit)) as Array<{ id: string }>).map((r) => r.id);
  }

  /**
   * Writes each new value in one transaction, each only where the row still holds the value
   * read, so a concurrent write wins. Resolves with the number of rows re-written.
   */
  async reseal(table: string, column: string, values: Resealed[]): Promise<number> {
    if (values.length === 0) return 0;
    return this.db.transaction(async (trx) => {
      let n = 0;
      for (const v of values) n += await trx.from(table).where({ id: v.id, [column]: v.old }).update({ [column]: v.sealed });
      return n;
    });
  }
}

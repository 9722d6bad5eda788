/**
 * Re-seals every sealed column under the current key, a small batch per transaction, while
 * the system keeps running: readers still open old values (their key stays in the ring) and
 * each update is conditional on the value being unchanged, so a concurrent write wins.
 */
import type { Store } from '../store/store.js';
import { SEALED_COLUMNS, sealContext, type SealedColumn } from '../store/sealed.js';
import type { Vault } from './vault.js';

export interface RotateOptions {
  batchSize?: number;
  columns?: readonly SealedColumn[];
  onProgress?: (p: { table: string; column: string; resealed: number }) => void;
}

export interface RotateReport {
  keyId: string;
  resealed: number;
  current: number;
  /** Rows whose value could not be opened (unknown key or tampered); left untouched. */
  failed: Array<{ table: string; column: string; id: string; reason: string }>;
}

export async function rotateSecrets(store: Store, vault: Vault, opts: RotateOptions = {}): Promise<RotateReport> {
  const batchSize = opts.batchSize ?? 100;
  const db = store.unscoped('key rotation re-seals every tenant\'s secrets');
  const report: RotateReport = { keyId: vault.currentKeyId, resealed: 0, current: 0, failed: [] };

  for (const { table, column } of opts.columns ?? SEALED_COLUMNS) {
    let after = '';
    for (;;) {
      const rows = (await db
        .from(table)
        .select('id', column)
        .whereNotNull(column)
        .where('id', '>', after)
        .orderBy('id')
        .limit(batchSize)) as Array<Record<string, string>>;
      if (rows.length === 0) break;
      after = rows[rows.length - 1].id;
      let resealed = 0;
      await db.transaction(async (trx) => {
        for (const row of rows) {
          const old = row[column];
          if (vault.keyIdOf(old) === vault.currentKeyId) {
            report.current++;
            continue;
          }
          const ctx = sealContext(table, column, row.id);
          let fresh: string;
          try {
            fresh = vault.seal(vault.open(old, ctx), ctx);
          } catch (err) {
            report.failed.push({ table, column, id: row.id, reason: (err as Error).message });
            continue;
          }
          resealed += await trx.from(table).where({ id: row.id, [column]: old }).update({ [column]: fresh });
        }
      });
      report.resealed += resealed;
      opts.onProgress?.({ table, column, resealed });
    }
  }
  return report;
}

/**
 * Re-seals every sealed column under the current key, a small batch per transaction, while
 * the system keeps running: readers still open old values (their key stays in the ring) and
 * each update is conditional on the value being unchanged, so a concurrent write wins.
 *
 * Values already under the current key are opened too, not just counted: a value bound to
 * another row (copied there, or a restore mixing rows) names the current key like any other,
 * and only opening it with this row's context shows that it does not belong.
 */
import { SEALED_COLUMNS, sealContext, type SealedColumn } from '../store/sealed.js';
import type { Resealed, SealedValuesRepo } from '../store/sealed-values.js';
import { isConnectorError } from '../../core/errors.js';
import type { Vault } from './vault.js';

export interface RotateOptions {
  batchSize?: number;
  columns?: readonly SealedColumn[];
  onProgress?: (p: { table: string; column: string; resealed: number }) => void;
}

export interface RotateFailure {
  table: string;
  column: string;
  id: string;
  reason: string;
  /** The row the value is bound to, when it opens with another row's context (it was copied from there). */
  boundTo?: { table: string; column: string; id: string };
}

export interface RotateReport {
  keyId: string;
  resealed: number;
  current: number;
  /** Rows whose value could not be opened (unknown key, tampered, bound to another row); left untouched. */
  failed: RotateFailure[];
}

/**
 * How many trial openings the search for a moved value's origin may spend in one run: it is
 * rows × failures, and a wrong key under a known id fails every row.
 */
const ORIGIN_SEARCH_BUDGET = 200_000;

export async function rotateSecrets(repo: SealedValuesRepo, vault: Vault, opts: RotateOptions = {}): Promise<RotateReport> {
  const batchSize = opts.batchSize ?? 100;
  const report: RotateReport = { keyId: vault.currentKeyId, resealed: 0, current: 0, failed: [] };
  let budget = ORIGIN_SEARCH_BUDGET;

  for (const { table, column } of opts.columns ?? SEALED_COLUMNS) {
    const unbound: Array<{ failure: RotateFailure; sealed: string }> = [];
    let after = '';
    for (;;) {
      const rows = await repo.valuesAfter(table, column, after, batchSize);
      if (rows.length === 0) break;
      after = rows[rows.length - 1].id;
      const writes: Resealed[] = [];
      for (const { id, value: old } of rows) {
        const ctx = sealContext(table, column, id);
        let plaintext: string;
        try {
          plaintext = vault.open(old, ctx);
        } catch (err) {
          const failure: RotateFailure = { table, column, id, reason: (err as Error).message };
          report.failed.push(failure);
          if (isConnectorError(err) && err.code === 'sealed_auth_failed') unbound.push({ failure, sealed: old });
          continue;
        }
        if (vault.keyIdOf(old) === vault.currentKeyId) {
          report.current++;
          continue;
        }
        writes.push({ id, old, sealed: vault.seal(plaintext, ctx) });
      }
      const resealed = await repo.reseal(table, column, writes);
      report.resealed += resealed;
      opts.onProgress?.({ table, column, resealed });
    }
    if (unbound.length > 0) budget = await findOrigins(repo, table, column, vault, unbound, batchSize, budget);
  }
  return report;
}

/**
 * Tries each failed value with the context of every other row of its table: the one it opens
 * with is where it was sealed. Only the row's id is needed, so an origin whose own value has
 * since changed (or been re-sealed) is still found.
 */
async function findOrigins(
  repo: SealedValuesRepo,
  table: string,
  column: string,
  vault: Vault,
  pending: Array<{ failure: RotateFailure; sealed: string }>,
  batchSize: number,
  budget: number,
): Promise<number> {
  let left = pending;
  let after = '';
  while (left.length > 0 && budget > 0) {
    const ids = await repo.idsAfter(table, after, batchSize * 10);
    if (ids.length === 0) break;
    after = ids[ids.length - 1];
    left = left.filter(({ failure, sealed }) => {
      for (const id of ids) {
        if (id === failure.id || budget <= 0) continue;
        budget--;
        try {
          vault.open(sealed, sealContext(table, column, id));
        } catch {
          continue;
        }
        failure.boundTo = { table, column, id };
        failure.reason = `sealed for ${table}.${column} of row ${id}, not this row (copied or moved from there); it does not open here`;
        return false;
      }
      return true;
    });
  }
  return budget;
}

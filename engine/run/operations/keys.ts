/** Record identity: the stream's primary key fields of a mapped record, as one string. */
import type { PlanStream } from '../../plan/plan.js';

function fieldOf(record: Record<string, unknown>, field: string): unknown {
  if (field in record) return record[field];
  let cur: unknown = record;
  for (const key of field.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

const usable = (v: unknown) => v !== undefined && v !== null && v !== '' && typeof v !== 'object';

/**
 * A single key is its value as a string (so `42` and `"42"` are one record, as providers
 * mix them); a composite key is the JSON array of its parts. Undefined when any part is
 * missing: such a record cannot be stored and counts as failed.
 */
export function externalIdOf(stream: Pick<PlanStream, 'primaryKey'>, record: Record<string, unknown>): string | undefined {
  const parts = stream.primaryKey.map((f) => fieldOf(record, f));
  if (!parts.every(usable)) return undefined;
  return parts.length === 1 ? String(parts[0]) : JSON.stringify(parts.map(String));
}

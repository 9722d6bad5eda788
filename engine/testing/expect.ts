/**
 * Compares what an operation produced with a case's `expect` block.
 */
import { isConnectorError } from '../core/errors.js';
import { diff, show } from './compare.js';
import type { CaseExpectation, ExpectedError } from './types.js';
import type { DiscoverResult } from '../run/operations/discover.js';

export type Outcome =
  | { type: 'output'; output: unknown }
  | { type: 'read'; stream: string; records: unknown[]; state: unknown; deleted: string[] }
  | { type: 'discovered'; result: DiscoverResult }
  | { type: 'error'; error: unknown };

/** Each actual entry cut to the fields its expected counterpart names (extra entries kept whole, so a longer list shows). */
function projected(expected: Array<Record<string, unknown>>, actual: Array<Record<string, unknown>>): unknown[] {
  return actual.map((a, i) => {
    const want = expected[i];
    if (!want) return a;
    return Object.fromEntries(Object.keys(want).map((k) => [k, a[k]]));
  });
}

export function describeError(err: unknown): string {
  if (isConnectorError(err)) {
    const extra = [
      err.status !== undefined ? `status ${err.status}` : '',
      err.providerCode !== undefined ? `provider code ${show(err.providerCode)}` : '',
      err.providerMessage !== undefined ? `provider message ${show(err.providerMessage)}` : '',
      err.retryable ? 'retryable' : '',
    ].filter(Boolean);
    return `error [${err.kind}] ${err.message}${extra.length ? ` (${extra.join(', ')})` : ''}`;
  }
  return `non-ConnectorError ${(err as Error)?.name ?? 'error'}: ${(err as Error)?.message ?? String(err)}`;
}

export function describeOutcome(outcome: Outcome): string {
  switch (outcome.type) {
    case 'output': return `succeeded with output ${show(outcome.output)}`;
    case 'read': return `read ${outcome.records.length} record(s), state ${show(outcome.state)}`;
    case 'discovered': return `discovered ${outcome.result.streams.map((d) => d.name).join(', ') || 'no streams'}${outcome.result.skipped.length ? ` (skipped ${outcome.result.skipped.length})` : ''}`;
    case 'error': return `failed with ${describeError(outcome.error)}`;
  }
}

function checkError(expected: ExpectedError, err: unknown): string[] {
  if (!isConnectorError(err)) return [`error: expected a ConnectorError, got ${describeError(err)}`];
  const out: string[] = [];
  const field = (name: string, e: unknown, a: unknown) => {
    if (e !== undefined && e !== a) out.push(`error.${name}: expected ${show(e)}, got ${show(a)}`);
  };
  field('kind', expected.kind, err.kind);
  field('status', expected.status, err.status);
  field('provider_code', expected.provider_code, err.providerCode);
  field('provider_message', expected.provider_message, err.providerMessage);
  field('retryable', expected.retryable, err.retryable);
  if (expected.message_contains !== undefined && !err.message.includes(expected.message_contains)) {
    out.push(`error.message: expected to contain ${show(expected.message_contains)}, got ${show(err.message, 400)}`);
  }
  return out;
}

/** Failure lines; empty when the outcome meets every expectation. */
export function checkExpectation(expect: CaseExpectation, outcome: Outcome): string[] {
  if (expect.error) {
    if (outcome.type !== 'error') return [`expected ${show(expect.error)} error, but the operation ${describeOutcome(outcome)}`];
    return checkError(expect.error, outcome.error);
  }
  if (outcome.type === 'error') return [`unexpected ${describeError(outcome.error)}`];
  const out: string[] = [];
  if ('output' in expect && outcome.type === 'output') diff(expect.output, outcome.output, 'output', out);
  if (outcome.type === 'read') {
    if (expect.records !== undefined) diff(expect.records, outcome.records, 'records', out);
    if (expect.record_count !== undefined && expect.record_count !== outcome.records.length) {
      out.push(`record_count: expected ${expect.record_count}, got ${outcome.records.length}`);
    }
    if (expect.state !== undefined) diff(expect.state, outcome.state, 'state', out);
    // Deletions are part of what a read reports: ones the case did not name fail it.
    diff(expect.deleted ?? {}, outcome.deleted.length ? { [outcome.stream]: outcome.deleted } : {}, 'deleted', out);
  }
  if (outcome.type === 'discovered') {
    const found = outcome.result.streams.map((d) => ({ name: d.name, key: d.key, title: d.title, primary_key: d.primaryKey }));
    if (expect.streams !== undefined) diff(expect.streams, projected(expect.streams, found), 'streams', out);
    if (expect.skipped !== undefined) diff(expect.skipped, projected(expect.skipped, outcome.result.skipped.map((x) => ({ ...x }))), 'skipped', out);
  }
  return out;
}

/** webhook_events rows ↔ WebhookEvent. */
import { ConnectorError } from '../../core/errors.js';
import { fromJson, fromSentJson, iso } from '../store/json.js';
import type { RejectReason, WebhookEvent, WebhookEventStatus } from './types.js';

export type Row = Record<string, any>;

export const SUMMARY_COLUMNS = [
  'id', 'tenant', 'connector', 'connection_id', 'provider_event_id', 'sender_event_id', 'type', 'status', 'reason', 'error',
  'attempts', 'received_at', 'processed_at', 'next_attempt_at',
];

export function toEvent(r: Row, withPayload: boolean): WebhookEvent {
  const e: WebhookEvent = {
    id: r.id,
    tenant: r.tenant,
    connector: r.connector,
    // A refused delivery shows the id its sender claimed (when it named one), not the row's own.
    providerEventId: r.sender_event_id ?? r.provider_event_id,
    status: r.status as WebhookEventStatus,
    attempts: Number(r.attempts),
    receivedAt: iso(r.received_at)!,
  };
  if (r.connection_id != null) e.connectionId = r.connection_id;
  if (r.type != null) e.type = r.type;
  if (r.reason != null) e.reason = r.reason as RejectReason;
  if (r.error != null) e.error = r.error;
  if (r.processed_at != null) e.processedAt = iso(r.processed_at);
  if (r.next_attempt_at != null && r.status === 'pending') e.nextAttemptAt = iso(r.next_attempt_at);
  if (withPayload) {
    e.payload = fromSentJson(r.payload, null);
    if (r.headers != null) e.headers = fromJson(r.headers, {});
  }
  return e;
}

/** `since`/`until` as ISO text or epoch ms. */
export function timeOf(v: string | number | undefined, what: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) throw new ConnectorError({ kind: 'validation', origin: 'caller', message: `${what} must be an ISO time or epoch milliseconds` });
  return n;
}

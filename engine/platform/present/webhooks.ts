/** Inbound webhook events, outbound subscriptions and their deliveries, as clients see them. */
import type { WebhookEvent } from '../webhooks/types.js';
import type { RejectionCount } from '../webhooks/rejections.js';
import type { Delivery, Subscription } from '../deliveries/types.js';
import { compact, type Json } from './resources.js';

export function presentWebhookEvent(e: WebhookEvent): Json {
  const out: Json = {
    id: e.id,
    connector: e.connector,
    connection_id: e.connectionId,
    provider_event_id: e.providerEventId,
    type: e.type,
    status: e.status,
    reason: e.reason,
    error: e.error,
    attempts: e.attempts,
    received_at: e.receivedAt,
    processed_at: e.processedAt,
    next_attempt_at: e.nextAttemptAt,
  };
  if ('payload' in e) out.payload = e.payload;
  if (e.body !== undefined) out.body = e.body;
  if (e.headers !== undefined) out.headers = e.headers;
  return compact(out);
}

export function presentRejection(r: RejectionCount): Json {
  return compact({ connector: r.connector, connection_id: r.connectionId || undefined, reason: r.reason, hour: r.hour, count: r.count, last_at: r.lastAt });
}

export function presentSubscription(s: Subscription): Json {
  return compact({
    id: s.id,
    url: s.url,
    events: s.events,
    description: s.description,
    connection_id: s.connection,
    status: s.status,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  });
}

export function presentDelivery(d: Delivery): Json {
  const out: Json = {
    id: d.id,
    subscription_id: d.subscriptionId,
    event_id: d.eventId,
    event_type: d.eventType,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.nextAttemptAt,
    last_status: d.lastStatus,
    last_error: d.lastError,
    created_at: d.createdAt,
    delivered_at: d.deliveredAt,
    attempt_log: d.attemptLog?.map((a) => compact({
      attempt: a.attempt,
      started_at: a.startedAt,
      duration_ms: a.durationMs,
      status_code: a.statusCode,
      response: a.response,
      error: a.error,
    })),
  };
  if (d.payload !== undefined) out.payload = d.payload;
  return compact(out);
}

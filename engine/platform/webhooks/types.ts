/** The shapes the webhook pipeline shares: what comes in, what goes out, what is stored. */
import type { RejectReason, VerifyReason, VerifyResult, WebhookRequest, WebhookResponse } from '../../core/webhook.js';
export type { RejectReason, VerifyReason, VerifyResult, WebhookRequest, WebhookResponse };
export type { WebhookEvent, WebhookEventStatus, ListEventsFilter, EventPage } from '../store/webhook-events.js';

/** What `emit` routes publish to listeners and subscribers. */
export interface NormalizedEvent {
  /** Stable across retries of the same inbound event, so receivers can deduplicate. */
  id: string;
  type: string;
  connector: string;
  connection: string;
  tenant: string;
  data: unknown;
  occurred_at: string;
}

/** The outbound deliveries service, when there is one. */
export interface EventPublisher {
  publish(event: NormalizedEvent): Promise<void>;
}

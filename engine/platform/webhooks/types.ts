/** The shapes the webhook pipeline shares: what comes in, what goes out, what is stored. */
import type { NormalizedEvent, RejectReason, VerifyReason, VerifyResult, WebhookRequest, WebhookResponse } from '../../core/webhook.js';
export type { NormalizedEvent, RejectReason, VerifyReason, VerifyResult, WebhookRequest, WebhookResponse };
export type { WebhookEvent, WebhookEventStatus, ListEventsFilter, EventPage } from '../store/webhook-events.js';

/** The outbound deliveries service, when there is one. */
export interface EventPublisher {
  publish(event: NormalizedEvent): Promise<void>;
}

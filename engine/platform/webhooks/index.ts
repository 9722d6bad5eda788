/** Inbound webhooks: verify → identify → dedupe → store → route. */
export { createWebhooks, DEFAULT_MAX_BODY_BYTES, type WebhooksOptions, type WebhooksService, type WebhooksPlatform } from './service.js';
export type {
  WebhookRequest, WebhookResponse, VerifyResult, VerifyReason, RejectReason, WebhookEvent, WebhookEventStatus,
  NormalizedEvent, EventPublisher, ListEventsFilter, EventPage,
} from './types.js';
export type { WorkerOptions } from './worker.js';
export type { EventListener } from './listeners.js';
// Route actions are components (engine/components/actions/); kept here for hosts that import them from the platform.
export { registerRouteKind } from '../../components/actions/registry.js';
export type { RouteActionKind as RouteKind, RouteContext } from '../../components/actions/protocol.js';
export { subscribe, unsubscribe, type SubscribeDeps, type SubscribeResult } from './subscribe.js';
export { webhookUrl, fullUrl } from './request.js';

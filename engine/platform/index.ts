/**
 * `patchbay/platform`: the engine plus a database. Sealed credentials, connections, syncs and
 * their records, schedules, inbound webhooks, outbound deliveries and retention, wired together
 * by createPlatform. Loads knex and the database drivers; not the HTTP server.
 */
export { createPlatform, type Platform, type PlatformOptions } from './platform.js';
export { createWebhooks, registerRouteKind, type WebhooksService, type WebhooksOptions, type RouteKind, type RouteContext } from './webhooks/index.js';
export type { WebhookEvent, WebhookEventStatus, NormalizedEvent, EventPage, ListEventsFilter } from './webhooks/index.js';
export { createDeliveries, type Deliveries, type DeliveriesOptions } from './deliveries/index.js';
export type { Subscription, Delivery, DeliveryPage } from './deliveries/index.js';
export type { ConnectionRef, ConnectionLifecycle } from './connections/service.js';
export type { SyncRun } from './store/runs.js';
export type { StoredRecord, RecordQuery } from './store/records.js';
export { FILTER_OPS, parseFilterParam, type RecordFilter, type FilterOp } from './store/record-filters.js';
export type { ConnectionStatus } from './store/connections.js';
export { openStore, type Store } from './store/store.js';
export { DEFAULT_DATABASE_URL } from './store/config.js';
export { OAuthAppsRepo } from './store/oauth-apps.js';
export { OAuthApps, type OAuthAppInfo } from './oauth/apps.js';
export { isConsentMethod } from './oauth/method.js';
export { BASE_URL_SETTING } from './connections/settings.js';
export { createRetention } from './retention/service.js';
export type { KeyRingReload, ReloadCause } from './secrets/live-ring.js';

// The one JSON dialect: resources as the runtime answers and `patchbay … --json` prints them.
export {
  presentPage, presentConnection, presentRun, presentSchedule, presentRecord, presentChange, presentKey, presentWebhookEvent,
  presentSubscription, presentDelivery, describeConnector, summarizeConnector, type ConnectorDocument, type ConnectorSummary,
} from './present/index.js';
export { encodeCursor, decodeCursor, LIMITS, type Page, type PageRequest } from './store/paging.js';

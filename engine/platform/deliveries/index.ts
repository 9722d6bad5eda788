export { createDeliveries, deliveryBody, type Deliveries, type DeliveriesOptions } from './service.js';
export { DEFAULT_SCHEDULE_MS, MAX_WAIT_MS, nextWait } from './schedule.js';
export { signature, signedHeaders, secretKey } from './signing.js';
export { generateSecret } from '../../core/secret.js';
export { matchesAny } from './patterns.js';
export type { DeliveryGuard } from './worker.js';
export type {
  Subscription, CreatedSubscription, NewSubscription, SubscriptionStatus,
  Delivery, DeliveryAttempt, DeliveryPage, DeliveryStatus, ListDeliveriesFilter,
} from './types.js';

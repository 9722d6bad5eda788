/** Shapes of outbound subscriptions and deliveries, as the API and the embedding host see them. */
export type { Subscription, SubscriptionStatus } from '../store/subscriptions.js';
export type { Delivery, DeliveryAttempt, DeliveryPage, DeliveryStatus, ListDeliveriesFilter } from '../store/deliveries.js';
import type { Subscription } from '../store/subscriptions.js';

/** Returned once, at creation: the only time the signing secret leaves the vault. */
export interface CreatedSubscription extends Subscription {
  secret: string;
}

export interface NewSubscription {
  url: string;
  events: string[];
  description?: string;
  connection?: string;
}


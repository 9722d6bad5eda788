/** Shapes of outbound subscriptions and deliveries, as the API and the embedding host see them. */
import type { Page, PageRequest } from '../store/paging.js';

export type SubscriptionStatus = 'active';

export interface Subscription {
  id: string;
  tenant: string;
  url: string;
  /** Event type patterns; `*` matches any run of characters (`ticket.*`, `*`). */
  events: string[];
  description?: string;
  /** Only events of this connection, when set. */
  connection?: string;
  status: SubscriptionStatus;
  createdAt: string;
  updatedAt: string;
}

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

/** `pending` waits for its next attempt, `delivered` got a 2xx, `dead` ran out of retries. */
export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface DeliveryAttempt {
  attempt: number;
  startedAt: string;
  durationMs: number;
  /** HTTP status, absent when no response came (refused, timed out, blocked address). */
  statusCode?: number;
  /** The first bytes of the response body. */
  response?: string;
  error?: string;
}

export interface Delivery {
  id: string;
  tenant: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt?: string;
  lastStatus?: number;
  lastError?: string;
  createdAt: string;
  deliveredAt?: string;
  /** Newest last; only from `get` and listings that ask for them. */
  attemptLog?: DeliveryAttempt[];
  /** The JSON body sent; only from `get`. */
  payload?: unknown;
}

export type DeliveryPage = Page<Delivery>;

export interface ListDeliveriesFilter extends PageRequest {
  status?: DeliveryStatus;
}

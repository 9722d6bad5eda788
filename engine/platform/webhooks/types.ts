/** The shapes the webhook pipeline shares: what comes in, what goes out, what is stored. */
import type { Page, PageRequest } from '../store/paging.js';

import type { NormalizedEvent, RejectReason, VerifyReason, VerifyResult, WebhookRequest, WebhookResponse } from '../../core/webhook.js';
export type { NormalizedEvent, RejectReason, VerifyReason, VerifyResult, WebhookRequest, WebhookResponse };

export type WebhookEventStatus = 'pending' | 'processing' | 'processed' | 'failed' | 'rejected';

/** A stored inbound event (one per provider event; a rejected delivery is one row too). */
export interface WebhookEvent {
  id: string;
  tenant: string;
  connector: string;
  connectionId?: string;
  /** The provider's event id (dedupe key); a rejected delivery: the id its sender claimed, else its own row id. */
  providerEventId: string;
  type?: string;
  status: WebhookEventStatus;
  reason?: RejectReason;
  error?: string;
  attempts: number;
  receivedAt: string;
  processedAt?: string;
  nextAttemptAt?: string;
  /** The event (for a rejected delivery: `{ body_bytes, header_names }`, never the body). Only from `get`. */
  payload?: unknown;
  /** The whole delivery body when the event was split out of it. Only from `get`. */
  body?: unknown;
  headers?: Record<string, string>;
}


/** The outbound deliveries service, when there is one. */
export interface EventPublisher {
  publish(event: NormalizedEvent): Promise<void>;
}

export interface ListEventsFilter extends PageRequest {
  tenant: string;
  connection?: string;
  /** Exact type, or a pattern where `*` matches any run of characters. */
  type?: string;
  status?: WebhookEventStatus;
  /** ISO time or epoch ms; inclusive. */
  since?: string | number;
  /** ISO time or epoch ms; exclusive. */
  until?: string | number;
}

export type EventPage = Page<WebhookEvent>;

/**
 * A type re-export only: webhook actions name `ClaimedEvent` from here. The webhook_events
 * table itself lives in engine/platform/store/webhook-events.ts, like every table.
 */
export type { ClaimedEvent, NewDelivery, NewEvent, DeliveryResult } from '../store/webhook-events.js';

/** A webhook delivery on the wire: what comes in, what is answered, why it was refused. */

/** One inbound HTTP delivery, as the intake route hands it over. */
export interface WebhookRequest {
  connectorId: string;
  /** Set for per-connection URLs; absent for connector-level intake (found by `connection.match`). */
  connectionId?: string;
  method: string;
  /** The request URL as received: path and query, or absolute. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** Byte-exact: signatures are computed over these bytes. */
  rawBody: Buffer;
  query?: Record<string, string | string[] | undefined>;
}

export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type VerifyReason =
  | 'missing_signature'
  | 'bad_signature'
  | 'missing_timestamp'
  | 'stale_timestamp'
  | 'future_timestamp'
  | 'no_secret';

export type VerifyResult = { ok: true } | { ok: false; reason: VerifyReason };

/** Why a delivery was refused before it was stored as a pending event. */
export type RejectReason = VerifyReason | 'invalid_json';

/** What `emit` routes publish to listeners and subscribers. */
export interface NormalizedEvent {
  /** Stable across retries of the same inbound event, so receivers can deduplicate. */
  id: string;
  type: string;
  connector: string;
  connection: string;
  tenant: string;
  /** The unified record when the event names a model (`contact.updated`), else what the route chose. */
  data: unknown;
  /** The unified model `data` follows, when the route emitted through a stream. */
  model?: string;
  /** The provider's own object `data` was mapped from, beside it. */
  raw?: unknown;
  occurred_at: string;
}

/**
 * Shapes of a connector's tests.yaml (see schemas/tests.schema.json) and of the runner's
 * results. Kept as plain data: a connector author writes YAML, never TypeScript.
 */

export interface ExpectedRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string | null>;
  body?: unknown;
  form?: Record<string, string | string[]>;
}

export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  raw?: string;
  delay_ms?: number;
}

export interface Exchange {
  request: ExpectedRequest;
  response: ScriptedResponse;
}

export interface ExpectedError {
  kind?: string;
  status?: number;
  provider_code?: string;
  provider_message?: string;
  message_contains?: string;
  retryable?: boolean;
}

/** A provider's delivery, as it arrives on the wire. */
export interface WebhookDelivery {
  /** `connection` (default): the connection's own URL; `connector`: the connector-level URL (`connection.match`). */
  to?: 'connection' | 'connector';
  method?: string;
  /** Raw query string appended to the intake path (without `?`). */
  query?: string;
  headers: Record<string, string>;
  /** The body byte for byte (UTF-8). */
  body?: string;
  /** File holding the body, relative to tests.yaml (read as bytes; `body` is filled from it on load). */
  body_file?: string;
  /** The runtime's public URL: the origin of the URL a provider signs (`https://hooks.example.com`). */
  public_url?: string;
}

/** A stored inbound event, as a case expects it. */
export interface ExpectedWebhookEvent {
  id?: string;
  type?: string | null;
  status?: string;
  reason?: string;
  error_contains?: string;
}

export interface CaseExpectation {
  output?: unknown;
  records?: unknown[];
  record_count?: number;
  state?: Record<string, unknown>;
  error?: ExpectedError;
  /** Webhook cases: HTTP status of the intake's answer. */
  status?: number;
  /** Webhook cases: the answer's body (JSON compared structurally, else the text). */
  response?: unknown;
  /** Webhook cases: the delivery passed verification. */
  verified?: boolean;
  /** Webhook cases: the delivery was refused for this reason (`bad_signature`, `stale_timestamp`, …). */
  rejected?: string;
  /** Webhook cases: the events the log holds afterwards, in the order received. */
  events?: ExpectedWebhookEvent[];
  /** Webhook cases: records written per stream (mapped), in change order; absent means none. */
  upserted?: Record<string, unknown[]>;
  /** Webhook cases: record ids soft-deleted per stream; absent means none. */
  deleted?: Record<string, string[]>;
  /** Webhook cases: normalized events emitted, `{ type, data }`, in order; absent means none. */
  emitted?: Array<{ type: string; data?: unknown }>;
}

export interface ConnectionValues {
  config?: Record<string, unknown>;
  credentials?: Record<string, unknown>;
  settings?: Record<string, unknown>;
  auth?: string;
}

export interface TestCase extends ConnectionValues {
  name: string;
  check?: boolean;
  action?: string;
  stream?: string;
  input?: Record<string, unknown>;
  state?: Record<string, unknown>;
  limit?: number;
  /** Deliver this to the intake instead of running an operation. */
  webhook?: WebhookDelivery;
  /** Webhook cases: the clock (ISO 8601), so a published example's timestamp is within tolerance. */
  now?: string;
  /** Webhook cases: connector-level secrets (`secrets:` in the manifest), as the operator sets them. */
  secrets?: Record<string, string>;
  /** Webhook cases: the operator's OAuth app of the connector (`app.client_secret` in templates). */
  app?: { client_id: string; client_secret: string };
  /** Webhook cases: records stored before the delivery (mapped, per stream), e.g. for a delete. */
  records_before?: Record<string, Array<Record<string, unknown>>>;
  exchanges: Exchange[];
  expect: CaseExpectation;
  /** 1-based line of the case in tests.yaml, for pointing at it in failures. */
  line?: number;
}

export interface TestSuite {
  connector: string;
  /** Absolute path of tests.yaml. */
  file: string;
  /** Absolute path of the connector.yaml next to it. */
  manifest: string;
  defaults: ConnectionValues;
  cases: TestCase[];
}

export interface CaseResult {
  connector: string;
  case: string;
  ok: boolean;
  failures: string[];
  durationMs: number;
}

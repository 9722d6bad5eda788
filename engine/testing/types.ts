/**
 * Shapes of a connector's tests.yaml (see schemas/tests.schema.json) and of the runner's
 * results. Kept as plain data: a connector author writes YAML, never TypeScript.
 */

/**
 * A header that must be sent with any value (`present: true`), or not at all (`present:
 * false`); `same_across_retries` also requires the value every other exchange of the case
 * that says so saw for that header (an idempotency key reused on each attempt).
 */
export interface HeaderPresence {
  present?: boolean;
  same_across_retries?: boolean;
}

/** A value a query parameter must have: exact text (a list for a repeated name), or any value. */
export type ExpectedParam = string | string[] | { present: true };

/**
 * A query parameter may also be an idempotency key (`retry.idempotency_query`): present, and
 * the same on every exchange of the case that says so, like a header's `same_across_retries`.
 */
export type ExpectedQueryParam = ExpectedParam | { same_across_retries: true };

export interface ExpectedRequest {
  method: string;
  path: string;
  /** All query parameters; absent means no query string at all. */
  query?: Record<string, ExpectedQueryParam>;
  headers?: Record<string, string | null | HeaderPresence>;
  body?: unknown;
  form?: Record<string, ExpectedParam>;
  /** The request must come at least this long (ms) after the previous exchange's response: a `Retry-After` honoured. */
  min_wait_ms?: number;
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
  /** Played this many times in a row (default 1): the same request answered alike, e.g. a budget's worth of calls. */
  times?: number;
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
  /** Sign the body with the case's secret by the manifest's own `webhooks.verify` scheme, at the case's `now`. */
  sign?: boolean | { secret: string };
}

/** An OAuth consent, run through the platform's real flow with every token URL pointed at the scripted server. */
export interface OAuthConsent {
  /** The OAuth app the consent uses (the tenant's own, so no operator host rule applies). */
  app: { client_id: string; client_secret?: string; scopes?: string[] };
  /** The runtime's callback URL registered with the provider; default `https://patchbay.example.com/v1/oauth/callback`. */
  redirect_uri?: string;
  /** Where the user comes back to; default `https://app.example.com/connected`. */
  return_url?: string;
  /** What the provider sends to the callback. `state` defaults to the authorize URL's own. */
  callback?: { code?: string; state?: string; error?: string; error_description?: string; iss?: string; query?: Record<string, string> };
}

/** The authorize URL a consent sends the user to. */
export interface ExpectedAuthorizeUrl {
  /** `https://host[:port]`. */
  origin?: string;
  path?: string;
  /** Every query parameter (`{ present: true }` for a random one: `state`, `code_challenge`). */
  query?: Record<string, ExpectedParam>;
}

/** How a consent ended, as the return URL says. */
export interface ExpectedConsent {
  /** `needs_choice`: a set-up step found several candidates and waits for the user's pick. */
  status?: 'success' | 'error' | 'needs_choice';
  /** With `needs_choice`: the options offered, `{ id, label }`. */
  options?: Array<{ id: string; label?: string }>;
  error?: string;
  error_description_contains?: string;
}

/** Client-side throttling: no window of `per_ms` saw more than `requests` requests arrive. */
export interface ExpectedThrottle {
  requests: number;
  per_ms: number;
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
  /** Discover cases: the discovered streams in order, each compared on the fields it names. */
  streams?: Array<{ name: string; key?: string; title?: string; primary_key?: string[] }>;
  /** Discover cases: the skipped items in order, each compared on the fields it names. */
  skipped?: Array<{ key?: string; reason?: string }>;
  error?: ExpectedError;
  /** Webhook cases: HTTP status of the intake's answer. */
  status?: number;
  /** Webhook cases: the answer's body (JSON compared structurally, else the text). */
  response?: unknown;
  /** Webhook cases: the answer's media type (`text/plain`; parameters such as charset ignored). */
  content_type?: string;
  /** Webhook cases: the delivery passed verification. */
  verified?: boolean;
  /** Webhook cases: the delivery was refused for this reason (`bad_signature`, `stale_timestamp`, …). */
  rejected?: string;
  /** Webhook cases: the events the log holds afterwards, in the order received. */
  events?: ExpectedWebhookEvent[];
  /** Webhook cases: records written per stream (mapped), in change order; absent means none. */
  upserted?: Record<string, unknown[]>;
  /** Webhook cases: record ids soft-deleted per stream. Stream cases: ids the read reported deleted (`deleted:`), under the stream's name. Absent means none. */
  deleted?: Record<string, string[]>;
  /** Subscribe cases: the connection's provider subscriptions afterwards, oldest first, the fields named compared. */
  subscriptions?: Array<Record<string, unknown>>;
  /** Webhook cases: normalized events emitted, `{ type, data, model, raw }`, in order; absent means none. Fields left out are not checked (`type` always is). */
  emitted?: Array<{ type: string; data?: unknown; model?: string; raw?: unknown }>;
  /** OAuth cases: the authorize URL. */
  authorize_url?: ExpectedAuthorizeUrl;
  /** OAuth cases: how the callback ended. */
  consent?: ExpectedConsent;
  /**
   * The connection's credentials afterwards, the keys named compared (`{ present: true }` for
   * any value): an OAuth case's stored tokens, an operation's refreshed ones.
   */
  credentials?: Record<string, unknown>;
  /** OAuth cases: settings the token response taught the connection. */
  settings?: Record<string, unknown>;
  /** Requests were spaced by this budget (use with `repeat` or a paginated read). */
  throttled?: ExpectedThrottle;
  /** No more than this many requests were awaiting their answer at once (a `concurrency` cap; use with `repeat` and `delay_ms`). */
  max_in_flight?: number;
}

export interface ConnectionValues {
  config?: Record<string, unknown>;
  credentials?: Record<string, unknown>;
  settings?: Record<string, unknown>;
  auth?: string;
  /** The connector environment the connection picks. */
  environment?: string;
}

export interface TestCase extends ConnectionValues {
  name: string;
  check?: boolean;
  action?: string;
  stream?: string;
  /** Discover the streams of this `dynamic_streams` family. */
  discover?: string;
  input?: Record<string, unknown>;
  state?: Record<string, unknown>;
  limit?: number;
  /** Action cases: the caller's idempotency key, sent instead of a generated one (`retry.idempotency_header` or `idempotency_query`). */
  idempotency_key?: string;
  /** Read one record by id through the stream's single-record request (`get:`); expect its `output` (mapped, or as sent with `raw`) or `error`. */
  get?: { stream: string; id: string; raw?: boolean };
  /** Make the connection on a platform, which subscribes it at the provider; then optionally renew and disconnect. */
  subscribe?: { public_url?: string; renew_after?: string; disconnect?: boolean };
  /** Deliver this to the intake instead of running an operation. */
  webhook?: WebhookDelivery;
  /** Run an OAuth consent (authorize URL, callback, code exchange) instead of an operation. */
  oauth?: OAuthConsent;
  /** Operation cases: run the operation this many times at once on one engine (sharing its rate limits); each run meets `expect`. */
  repeat?: number;
  /** Webhook cases: the clock (ISO 8601), so a published example's timestamp is within tolerance. */
  now?: string;
  /** Connector-level secrets (`secrets:` in the manifest), as the operator sets them: webhook verification reads them, and so do an operation's auth templates. */
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

/**
 * The request path's shared shapes. A request stays structured (query as pairs, body as a
 * JS value) until the moment it is sent, so paginators and auth can add to it without
 * re-parsing strings.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
export type BodyFormat = 'json' | 'form' | 'none';

export interface OutboundRequest {
  method: HttpMethod;
  /** Absolute URL without its query string. */
  url: string;
  /** Query parameters in order; repeated names allowed. */
  query: Array<[string, string]>;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** JS value; encoded as JSON or form at send time according to `bodyFormat`. */
  body?: unknown;
  bodyFormat: BodyFormat;
  /**
   * Paging variables (`offset`, `number`, `size`, `cursor`) when the request's own templates
   * place them (`{{page.offset}}`): the paginator sets them here and the request is rendered
   * again for each page, instead of parameters being added to it.
   */
  page?: Record<string, unknown>;
}

export interface InboundResponse {
  status: number;
  /** Lower-case names, as node gives them. */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the body is JSON, else the text; undefined when empty. */
  body: unknown;
  rawBody: string;
  /** Final URL, after redirects. */
  url: string;
}

/** What a caller hands the engine for one provider account. Persistence comes later. */
export interface Connection {
  connector: string;
  /** Id used for per-connection state (rate limits, token refresh); defaults to a hash of the connection. */
  id?: string;
  tenant?: string;
  /** Auth method name when the manifest offers several. */
  auth?: string;
  config?: Record<string, unknown>;
  credentials?: Record<string, unknown>;
  /** Values learned at run time (token response fields, webhook ids). */
  settings?: Record<string, unknown>;
  /**
   * The operator's connector-level secrets (the manifest's top-level `secrets:`), which the
   * host supplies with each connection: request-time auth templates read them as `secrets.*`
   * (an app secret signing every call). Redacted like credentials.
   */
  secrets?: Record<string, string>;
  /** Replaces the manifest's base_url (tests, proxies, sandboxes). */
  baseUrl?: string;
  /** One of the connector's declared `environments`; default its default one. */
  environment?: string;
}

/** Credentials (and the settings learned with them) after a token refresh. */
export interface RenewedCredentials {
  credentials: Record<string, unknown>;
  settings?: Record<string, unknown>;
}

/**
 * Runs a token refresh on the host's terms, so that processes sharing a connection refresh it
 * once: `refresh` is the token request, given the credentials to refresh from (the host's
 * freshest copy). A gate may return credentials another process obtained without calling
 * `refresh`; what it returns is already persisted (the credentials listener is not told).
 */
export type RefreshGate = (connection: Connection, method: string, refresh: (current: RenewedCredentials) => Promise<RenewedCredentials>) => Promise<RenewedCredentials>;

/** Called when the engine obtains new credentials (a refreshed or rotated OAuth token). */
export type CredentialsListener = (connection: Connection, credentials: Record<string, unknown>, settings?: Record<string, unknown>) => void | Promise<void>;

/**
 * What a component may ask of the HTTP client: one request sent as is, through the outbound
 * guard, with no auth, retry or rate limit of the API (a token endpoint call, say).
 */
export interface HttpSender {
  send(req: OutboundRequest, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<InboundResponse>;
}

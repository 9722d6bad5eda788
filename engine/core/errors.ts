/**
 * The one error type the engine throws at callers. Everything a host needs to decide what to
 * do next (retry? re-authenticate? show the provider's words?) is a field, never a string
 * to parse. Messages and URLs must already be free of secrets when they get here.
 */
export type ErrorKind =
  | 'auth'
  | 'forbidden'
  | 'not_found'
  | 'rate_limited'
  | 'client'
  | 'conflict'
  | 'server'
  | 'network'
  | 'timeout'
  | 'mapping'
  | 'validation'
  | 'config'
  /** A bug in Patchbay or in the host's use of it (an invariant broke); report it, do not fix the input. */
  | 'internal';

export const ERROR_KINDS: readonly ErrorKind[] = [
  'auth', 'forbidden', 'not_found', 'rate_limited', 'client', 'conflict', 'server', 'network', 'timeout', 'mapping', 'validation', 'config', 'internal',
];

/**
 * Who has to act for the error to go away, stated where the error is raised so that nobody
 * downstream infers it from which fields happen to be set:
 * - `provider`: the provider answered with a refusal or failure, or could not be reached;
 * - `connection`: the stored connection (its config, credentials, settings, status) is wrong,
 *   missing or needs re-authorising;
 * - `manifest`: the connector's manifest (or its plan, templates, expressions, tests file);
 * - `caller`: what the API caller, CLI user or host passed (input, names, cursors, limits,
 *   and the settings a server was started with);
 * - `internal`: a programmer error or broken invariant in Patchbay itself.
 */
export type ErrorOrigin = 'provider' | 'connection' | 'manifest' | 'caller' | 'internal';

export const ERROR_ORIGINS: readonly ErrorOrigin[] = ['provider', 'connection', 'manifest', 'caller', 'internal'];

export interface ConnectorErrorInit {
  kind: ErrorKind;
  /** Required so that every throw site says it; there is no safe default. */
  origin: ErrorOrigin;
  message: string;
  retryable?: boolean;
  status?: number;
  providerCode?: string;
  providerMessage?: string;
  connector?: string;
  operation?: string;
  request?: { method: string; url: string };
  /** Where in the manifest the failing template or expression lives. */
  location?: { file?: string; line?: number; column?: number; path?: string };
  /** Validation details (which input field was wrong and why). */
  details?: Array<{ path: string; message: string }>;
  retryAfterMs?: number;
  /**
   * A stable code for a refusal that is neither the provider's nor a plain kind (the HTTP
   * runtime answers with it, e.g. `base_url_not_allowed`, `invalid_cursor`).
   */
  code?: string;
  cause?: unknown;
}

export class ConnectorError extends Error {
  readonly kind: ErrorKind;
  readonly origin: ErrorOrigin;
  readonly retryable: boolean;
  readonly status?: number;
  readonly providerCode?: string;
  readonly providerMessage?: string;
  connector?: string;
  operation?: string;
  request?: { method: string; url: string };
  readonly location?: ConnectorErrorInit['location'];
  readonly details?: ConnectorErrorInit['details'];
  readonly retryAfterMs?: number;
  readonly code?: string;

  constructor(init: ConnectorErrorInit) {
    super(init.message, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.name = 'ConnectorError';
    this.kind = init.kind;
    this.origin = init.origin;
    this.retryable = init.retryable ?? false;
    this.status = init.status;
    this.providerCode = init.providerCode;
    this.providerMessage = init.providerMessage;
    this.connector = init.connector;
    this.operation = init.operation;
    this.request = init.request;
    this.location = init.location;
    this.details = init.details;
    this.retryAfterMs = init.retryAfterMs;
    this.code = init.code;
  }

  /** A plain object safe to log or return over HTTP. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, kind: this.kind, origin: this.origin, message: this.message, retryable: this.retryable };
    for (const k of ['code', 'status', 'providerCode', 'providerMessage', 'connector', 'operation', 'request', 'location', 'details'] as const) {
      if (this[k] !== undefined) out[k] = this[k];
    }
    return out;
  }
}

export function isConnectorError(err: unknown): err is ConnectorError {
  return err instanceof ConnectorError;
}

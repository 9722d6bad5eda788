/**
 * Every error the runtime answers with is RFC 9457 problem+json with a stable `code`. The
 * table below is the whole policy for engine errors; it is documented in the OpenAPI
 * description, so callers can branch on `code` rather than parse text.
 *
 * A provider's refusal is never the caller's 401: the caller's key was fine, the provider
 * rejected the stored credentials. That is 424 Failed Dependency (`provider_auth`), so a
 * client cannot mistake it for "my API key is wrong".
 */
import { ConnectorError, type ErrorKind, type ErrorOrigin } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { PROBLEM_CONTENT_TYPE, problemType, statusTitle } from '../core/problem.js';

export { PROBLEM_CONTENT_TYPE, problemType, statusTitle };

export interface ProblemDetail {
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: ProblemDetail[];
  request_id?: string;
  /** Engine errors: the provider's own code and message when it gave them. */
  provider_code?: string;
  provider_status?: number;
  retryable?: boolean;
  /** Engine errors: who has to act (ConnectorError.origin), an extension member. */
  origin?: ErrorOrigin;
}

/** A problem raised by the runtime itself (not the engine). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly errors?: ProblemDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}

/** A problem reply stored earlier (an idempotent replay), answered again as it was. */
export class StoredProblem extends Error {
  constructor(readonly status: number, readonly body: Problem, readonly headers: Record<string, string> = {}) {
    super(body.detail);
    this.name = 'StoredProblem';
  }
}

export const notFound = (what: string, code = 'not_found') => new HttpProblem(404, code, `${what} not found`);

/**
 * Engine error kind → HTTP status and code. `local` is the answer when the error's origin is
 * not the provider (our own validation, a missing row): the raise site says so, nothing here
 * infers it from which fields are set.
 */
const KIND_MAP: Record<ErrorKind, { status: number; code: string; local?: { status: number; code: string } }> = {
  validation: { status: 422, code: 'provider_validation', local: { status: 422, code: 'validation_failed' } },
  config: { status: 422, code: 'invalid_connection' },
  auth: { status: 424, code: 'provider_auth' },
  forbidden: { status: 424, code: 'provider_forbidden' },
  not_found: { status: 404, code: 'provider_not_found', local: { status: 404, code: 'not_found' } },
  rate_limited: { status: 429, code: 'provider_rate_limited' },
  client: { status: 422, code: 'provider_rejected' },
  conflict: { status: 409, code: 'provider_conflict', local: { status: 409, code: 'conflict' } },
  server: { status: 502, code: 'provider_error' },
  network: { status: 502, code: 'provider_unreachable' },
  timeout: { status: 504, code: 'provider_timeout' },
  mapping: { status: 502, code: 'mapping_failed' },
  internal: { status: 500, code: 'internal' },
};

/** Engine refusals with their own code (ConnectorError.code), raised before anything was sent. */
const CODED: Record<string, number> = {
  base_url_not_allowed: 422,
  invalid_cursor: 400,
  invalid_filter: 400,
  insecure_url: 422,
  // A discovered stream the provider does not list (any more).
  stream_not_found: 404,
};

/** The mapping as documentation rows (OpenAPI description). */
export function kindTable(): Array<{ kind: ErrorKind; status: number; code: string }> {
  return Object.entries(KIND_MAP).map(([kind, m]) => ({ kind: kind as ErrorKind, status: m.status, code: m.code }));
}

export interface ProblemReply {
  status: number;
  body: Problem;
  headers: Record<string, string>;
}

function make(status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem {
  return { type: problemType(code), title: statusTitle(status), status, detail, code, ...extra };
}

/** Turns anything thrown into a problem reply; unknown errors become a 500 that says nothing. */
export function toProblem(err: unknown, secrets: readonly string[] = []): ProblemReply {
  const clean = (s: string) => redact(s, secrets);
  if (err instanceof StoredProblem) return { status: err.status, body: { ...err.body }, headers: { ...err.headers } };
  if (err instanceof HttpProblem) {
    const body = make(err.status, err.code, clean(err.message), err.errors ? { errors: err.errors.map((e) => ({ path: e.path, message: clean(e.message) })) } : {});
    return { status: err.status, body, headers: { ...err.headers } };
  }
  if (err instanceof ConnectorError) {
    const m = KIND_MAP[err.kind] ?? { status: 502, code: 'provider_error' };
    const fromProvider = err.origin === 'provider';
    // A coded refusal may carry the request it refused (nothing was sent, so it is never the provider's).
    const coded = !fromProvider && err.code !== undefined && Object.hasOwn(CODED, err.code) ? { status: CODED[err.code], code: err.code } : undefined;
    const { status, code } = coded ?? (!fromProvider && m.local ? m.local : m);
    const headers: Record<string, string> = {};
    if (status === 429) headers['retry-after'] = String(Math.max(1, Math.ceil((err.retryAfterMs ?? 1000) / 1000)));
    const extra: Partial<Problem> = { retryable: err.retryable, origin: err.origin };
    if (err.details?.length) extra.errors = err.details.map((d) => ({ path: d.path, message: clean(d.message) }));
    if (err.providerCode) extra.provider_code = clean(err.providerCode);
    if (err.status !== undefined) extra.provider_status = err.status;
    return { status, body: make(status, code, clean(err.message), extra), headers };
  }
  return { status: 500, body: make(500, 'internal', 'The server failed to handle this request; see its logs under the request id.'), headers: {} };
}


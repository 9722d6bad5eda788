/**
 * Response → success or ConnectorError. The status table gives the default kind; the
 * manifest's `errors` block can mark a 2xx as failed (`when`), pull the provider's own
 * message and code out of the body, and map those codes to kinds.
 */
import { ConnectorError, type ErrorKind } from '../../core/errors.js';
import type { PlanErrors, PlanRateLimit } from '../../plan/plan.js';
import { headerValue } from './rate-limiter.js';
import type { InboundResponse } from '../../core/wire.js';
import { truthy } from '../../lang/truthy.js';

const RETRYABLE_KINDS: ReadonlySet<ErrorKind> = new Set(['rate_limited', 'server', 'network', 'timeout']);

/** Conventional names, used when the manifest names no remaining header. */
const DEFAULT_REMAINING_HEADERS = ['x-ratelimit-remaining', 'ratelimit-remaining'];

export function isRetryableKind(kind: ErrorKind): boolean {
  return RETRYABLE_KINDS.has(kind);
}

function exhausted(res: InboundResponse, rateLimit?: PlanRateLimit): boolean {
  const names = rateLimit?.remainingHeader ? [rateLimit.remainingHeader] : DEFAULT_REMAINING_HEADERS;
  return names.some((n) => {
    const v = headerValue(res.headers, n);
    return v !== undefined && v.trim() !== '' && Number(v) <= 0;
  });
}

export function kindForStatus(res: InboundResponse, rateLimit?: PlanRateLimit): ErrorKind {
  const s = res.status;
  if (s === 401) return 'auth';
  if (s === 403) return exhausted(res, rateLimit) ? 'rate_limited' : 'forbidden';
  if (s === 404 || s === 410) return 'not_found';
  if (s === 408) return 'timeout';
  if (s === 409) return 'conflict';
  if (s === 429) return 'rate_limited';
  if (s >= 500) return 'server';
  return 'client';
}

function asText(v: unknown): string | undefined {
  if (typeof v === 'string' && v.trim() !== '') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

function fallbackMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() ? body.trim().slice(0, 500) : undefined;
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, any>;
  return asText(b.message) ?? asText(b.error?.message) ?? asText(b.error_description) ?? asText(b.error) ?? asText(b.detail) ?? asText(b.title);
}

function fallbackCode(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, any>;
  return asText(b.error?.code) ?? asText(b.code) ?? asText(b.error) ?? asText(b.error?.type);
}

/** A failing extraction expression must not hide the error it was meant to describe. */
async function extract(expr: PlanErrors['message'], res: InboundResponse, bindings: Record<string, unknown>): Promise<string | undefined> {
  if (!expr) return undefined;
  try {
    return asText(await expr.evaluate(res.body, bindings));
  } catch {
    return undefined;
  }
}

export interface ClassifyOptions {
  errors: PlanErrors;
  rateLimit?: PlanRateLimit;
}

/** Undefined for a successful response; otherwise the error to retry on or throw. */
export async function classifyResponse(res: InboundResponse, opts: ClassifyOptions): Promise<ConnectorError | undefined> {
  const bindings = { status: res.status, headers: res.headers };
  const { errors } = opts;
  let failed = res.status >= 400;
  if (!failed && errors.when) failed = truthy(await errors.when.evaluate(res.body, bindings));
  if (!failed) return undefined;

  const providerMessage = (await extract(errors.message, res, bindings)) ?? fallbackMessage(res.body);
  const providerCode = (await extract(errors.code, res, bindings)) ?? fallbackCode(res.body);
  const mapped = providerCode !== undefined ? errors.kinds[providerCode] : undefined;
  const kind: ErrorKind = mapped ?? kindForStatus(res, opts.rateLimit);
  const what = `HTTP ${res.status}${providerCode ? ` ${providerCode}` : ''}`;
  return new ConnectorError({
    kind, origin: 'provider',
    message: providerMessage ? `${what}: ${providerMessage}` : what,
    status: res.status,
    providerCode,
    providerMessage,
    retryable: isRetryableKind(kind),
  });
}

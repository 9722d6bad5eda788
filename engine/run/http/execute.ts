/**
 * One logical request: limiter → auth → send → learn rate headers → classify → retry or
 * return. Attempts are copies of the rendered request, so auth and the idempotency key are
 * applied afresh to each and the caller's request is never changed.
 */
import { randomUUID } from 'node:crypto';
import type { AuthContext, AuthStrategy } from '../../components/auth/types.js';
import { ConnectorError, isConnectorError } from '../../core/errors.js';
import { secretSafe, type Logger } from '../../core/log.js';
import type { PlanHttp } from '../../plan/plan.js';
import type { CompiledExpr } from '../../lang/expr.js';
import { collectSecrets, describeRequest, redact, SecretSet } from '../../core/redact.js';
import { classifyResponse } from './classify.js';
import type { RateLimiterRegistry } from './rate-limiter.js';
import { cloneRequest } from './render.js';
import { backoffMs, headerWaitMs, isIdempotent, mayRetryMethod, retryVerdict } from './retry.js';
import type { HttpSender, InboundResponse, OutboundRequest } from '../../core/wire.js';

/** What the executor needs of a client: sending, the shared limiters and the logger (HttpClient is one). */
export interface RequestClient extends HttpSender {
  readonly limiters: RateLimiterRegistry;
  readonly logger: Logger;
}

export interface ExecuteOptions {
  http: PlanHttp;
  auth: { strategy: AuthStrategy; ctx: AuthContext };
  /** Rate-limit key (see `limiterKeyFor`). */
  limiterKey: string;
  /** The tenant whose budget `limiterKey` is (a connection's), for limits shared across processes. */
  limiterTenant?: string;
  connector: string;
  operation: string;
  logger?: Logger;
  signal?: AbortSignal;
  client: RequestClient;
  /** Source of jitter; tests pin it. */
  random?: () => number;
  /**
   * The operation's secrets, shared across its requests, so a connection's secret forms are
   * collected once per operation rather than once per request. Defaults to the connection's.
   */
  secrets?: SecretSet;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ConnectorError({ kind: 'network', origin: 'caller', message: 'request aborted' }));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new ConnectorError({ kind: 'network', origin: 'caller', message: 'request aborted' }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The manifest's `rate_limit.remaining` over a response; undefined when absent or not a number. */
async function remainingOf(expr: CompiledExpr, res: InboundResponse): Promise<number | undefined> {
  try {
    const v = await expr.evaluate(res.body, { status: res.status, headers: res.headers });
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  } catch {
    // A header the expression cannot read (absent on an error page) says nothing about the budget.
    return undefined;
  }
}

/** pino loggers say whether a level is on; any other logger is assumed to want everything. */
function levelEnabled(logger: Logger, level: string): boolean {
  const check = (logger as { isLevelEnabled?: (l: string) => boolean }).isLevelEnabled;
  return typeof check === 'function' ? check.call(logger, level) : true;
}

export async function executeRequest(req: OutboundRequest, opts: ExecuteOptions): Promise<InboundResponse> {
  const { http, connector, operation, signal } = opts;
  const client = opts.client;
  const retry = http.retry;
  const strategy = opts.auth.strategy;
  const secrets = opts.secrets ?? new SecretSet(collectSecrets(opts.auth.ctx.connection));
  const outer = opts.auth.ctx.addSecret;
  const authCtx: AuthContext = {
    ...opts.auth.ctx,
    http: client,
    addSecret: (v) => {
      secrets.add(v);
      outer?.(v);
    },
  };
  const baseLogger = opts.logger ?? client.logger;
  const log = secretSafe(baseLogger, () => secrets.list());
  // The per-attempt line is built (URL rendered and redacted) only when someone will read it.
  const debugOn = levelEnabled(baseLogger, 'debug');

  const base = cloneRequest(req);
  if (retry.idempotencyHeader && !isIdempotent(req.method)) {
    // One key per logical call, reused by every attempt, so the provider can drop duplicates.
    const h = retry.idempotencyHeader.toLowerCase();
    base.headers[h] ||= randomUUID();
  }
  if (retry.idempotencyQuery && !isIdempotent(req.method) && !base.query.some(([k]) => k === retry.idempotencyQuery)) {
    base.query.push([retry.idempotencyQuery, randomUUID()]);
  }
  const limiter = http.rateLimit ? client.limiters.get(opts.limiterKey, http.rateLimit, opts.limiterTenant) : undefined;

  let attemptReq = cloneRequest(base);
  const fail = (err: ConnectorError, retryAfterMs?: number): ConnectorError => {
    const s = secrets.list();
    const request = describeRequest(attemptReq, s);
    const out = new ConnectorError({
      kind: err.kind, origin: err.origin,
      message: redact(`${connector} ${operation} failed: ${err.message} (${request.method} ${request.url})`, s),
      retryable: err.retryable,
      status: err.status,
      providerCode: err.providerCode === undefined ? undefined : redact(err.providerCode, s),
      providerMessage: err.providerMessage === undefined ? undefined : redact(err.providerMessage, s),
      connector,
      operation,
      request,
      location: err.location,
      details: err.details,
      code: err.code,
      retryAfterMs: retryAfterMs ?? err.retryAfterMs,
      cause: err.cause instanceof Error ? new Error(redact(err.cause.message, s)) : undefined,
    });
    log.warn({ connector, operation, request, kind: out.kind, status: out.status, providerMessage: out.providerMessage }, 'request failed');
    return out;
  };
  const asConnectorError = (err: unknown): ConnectorError => {
    if (isConnectorError(err)) return err;
    throw err;
  };

  let retries = 0;
  let authRenewed = false;
  for (;;) {
    attemptReq = cloneRequest(base);
    let release: (() => void) | undefined;
    try {
      if (limiter) release = await limiter.acquire({ signal, maxWaitMs: retry.maxWaitMs });
      await strategy.apply(attemptReq, authCtx);
    } catch (err) {
      release?.();
      throw fail(asConnectorError(err));
    }

    const started = Date.now();
    let res: InboundResponse | undefined;
    let failure: ConnectorError | undefined;
    try {
      res = await client.send(attemptReq, { timeoutMs: http.timeoutMs, signal });
      // The expression runs only for manifests that declare one: most calls pay nothing here.
      if (limiter) limiter.observe(res.headers, Date.now(), http.rateLimit?.remaining ? await remainingOf(http.rateLimit.remaining, res) : undefined);
    } catch (err) {
      failure = asConnectorError(err);
    } finally {
      release?.();
    }
    const attempt = retries + 1;
    if (debugOn) {
      log.debug(
        { connector, operation, request: describeRequest(attemptReq, secrets.list()), attempt, status: res?.status, error: failure?.kind, ms: Date.now() - started },
        'http attempt',
      );
    }

    if (res?.status === 401 && !authRenewed && strategy.onUnauthorized) {
      authRenewed = true;
      let renewed: boolean;
      try {
        renewed = await strategy.onUnauthorized(authCtx, attemptReq);
      } catch (err) {
        throw fail(asConnectorError(err));
      }
      if (renewed) continue;
    }

    const error = failure ?? (await classifyResponse(res!, { errors: http.errors, rateLimit: http.rateLimit }));
    if (!error) return res!;

    const headerWait = res ? headerWaitMs(res.headers, retry.waitHeaders) : undefined;
    let again = false;
    if (attempt < retry.maxAttempts && !signal?.aborted) {
      // Without a response nothing says whether the call took effect: only safe or keyed methods repeat.
      again = res ? await retryVerdict(retry, res, req.method) : mayRetryMethod(req.method, retry) && error.retryable && (error.kind === 'network' || error.kind === 'timeout');
    }
    if (!again) throw fail(error, headerWait);
    if (headerWait !== undefined && headerWait > retry.maxWaitMs) {
      throw fail(
        new ConnectorError({
          kind: 'rate_limited', origin: 'provider',
          message: `${error.message}; the provider asks to wait ${Math.ceil(headerWait / 1000)}s, longer than max_wait`,
          status: error.status,
          providerCode: error.providerCode,
          providerMessage: error.providerMessage,
          retryable: true,
        }),
        headerWait,
      );
    }
    const waitMs = headerWait ?? backoffMs(retry.backoff, retries, opts.random);
    log.info({ connector, operation, request: describeRequest(attemptReq, secrets.list()), attempt, status: res?.status, kind: error.kind, waitMs }, 'retrying');
    try {
      await sleep(waitMs, signal);
    } catch (err) {
      throw fail(asConnectorError(err));
    }
    retries++;
  }
}

/**
 * The outermost layer of every request: a request id (taken from `x-request-id` when it is
 * safe to echo, else new), the error boundary that turns anything thrown into problem+json,
 * and one JSON log line when the response is done. It runs once per request even when a
 * host mounts the router inside an app that also uses it.
 */
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from '../core/log.js';
import { redact } from '../core/redact.js';
import { HttpProblem, PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface RequestScope {
  requestId: string;
  started: number;
  /** Values blanked from any problem or log line of this request. */
  secrets: string[];
  tenant?: string;
  keyId?: string;
  /** The route pattern that matched (`/v1/connections/:id`), not the concrete path. */
  route?: string;
  code?: string;
  signal: AbortSignal;
}

export function scopeOf(ctx: Context): RequestScope | undefined {
  return ctx.state.patchbay as RequestScope | undefined;
}

/** Errors from koa and the router (405, 501) carry an exposed status; keep it rather than say 500. */
function routerProblem(err: unknown): HttpProblem | undefined {
  const e = err as { status?: unknown; expose?: unknown; message?: string };
  if (typeof e?.status !== 'number' || e.expose !== true || e.status < 400 || e.status > 499) return undefined;
  const code = e.status === 405 ? 'method_not_allowed' : e.status === 404 ? 'route_not_found' : 'bad_request';
  return new HttpProblem(e.status, code, e.message ?? 'bad request');
}

/**
 * The logger for the request line. The line is built below from a fixed set of fields, none
 * of them headers or credentials, so pino's path redaction (tens of µs a line with wildcard
 * paths, a real share of a fast request) can never find anything in it: a pino logger gets a
 * child without it. Secret values in an error message are still blanked here, by value.
 */
const lineLoggers = new WeakMap<Logger, Logger>();
function requestLineLogger(logger: Logger): Logger {
  let out = lineLoggers.get(logger);
  if (!out) {
    const pinoLike = logger as Logger & { child?: (bindings: object, options: object) => Logger; isLevelEnabled?: unknown };
    out = typeof pinoLike.child === 'function' && typeof pinoLike.isLevelEnabled === 'function' ? pinoLike.child({}, { redact: [] }) : logger;
    lineLoggers.set(logger, out);
  }
  return out;
}

export function requestScope(parentLogger: Logger) {
  const logger = requestLineLogger(parentLogger);
  return async function patchbayRequestScope(ctx: Context, next: Next): Promise<void> {
    if (ctx.state.patchbay) return next();
    const incoming = ctx.get('x-request-id');
    const controller = new AbortController();
    const scope: RequestScope = {
      requestId: SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID(),
      started: performance.now(),
      secrets: [],
      signal: controller.signal,
    };
    ctx.state.patchbay = scope;
    ctx.set('x-request-id', scope.requestId);
    ctx.res.once('close', () => {
      if (!ctx.res.writableFinished) controller.abort(new Error('client closed the connection'));
    });

    let failure: unknown;
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new HttpProblem(404, 'route_not_found', `no route for ${ctx.method} ${ctx.path}`);
      }
    } catch (err) {
      const reply = toProblem(routerProblem(err) ?? err, scope.secrets);
      failure = reply.status >= 500 ? err : undefined;
      scope.code = reply.body.code;
      ctx.status = reply.status;
      for (const [k, v] of Object.entries(reply.headers)) ctx.set(k, v);
      ctx.body = { ...reply.body, request_id: scope.requestId };
      ctx.type = PROBLEM_CONTENT_TYPE;
    } finally {
      const line: Record<string, unknown> = {
        reqId: scope.requestId,
        method: ctx.method,
        // The path only: query strings can carry OAuth codes and states.
        path: ctx.path,
        route: scope.route,
        status: ctx.status,
        durationMs: Math.round((performance.now() - scope.started) * 10) / 10,
        tenant: scope.tenant,
        keyId: scope.keyId,
      };
      if (scope.code) line.code = scope.code;
      if (failure !== undefined) {
        const message = failure instanceof Error ? failure.message : String(failure);
        line.err = { type: failure instanceof Error ? failure.name : typeof failure, message: redact(message, scope.secrets) };
        logger.error(line, 'request failed');
      } else {
        logger.info(line, 'request');
      }
    }
  };
}

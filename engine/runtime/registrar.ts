/**
 * The one place routes become HTTP: for each route definition it authenticates the caller,
 * applies the per-key rate limit, reads and validates the request against the route's own
 * schemas, runs the handler and writes the reply. openapi.ts reads the same definitions, so
 * what is documented is what is enforced.
 */
import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';
import type { Logger } from '../core/log.js';
import { newAjv } from '../manifest/ajv-runtime.js';
import { validationDetails } from '../run/operations/context.js';
import { collectSecrets } from '../core/redact.js';
import { identifyCaller, TENANT_QUERY } from './auth/caller.js';
import type { KeyRateLimiter } from './auth/rate-limit.js';
import { parseJsonBody, readRawBody } from './body.js';
import { addressKey, clientAddress, TrustedProxies } from './auth/client-address.js';
import { HttpProblem } from './problem.js';
import { requestScope, scopeOf, type RequestScope } from './request-scope.js';
import { isRawBody, type JsonSchema, type RouteAccess, type RouteDef, type RouteRequest } from './route.js';
import type { RuntimeServices } from './services.js';

export interface RegistrarOptions {
  services: RuntimeServices;
  logger: Logger;
  rateLimiter?: KeyRateLimiter;
  /**
   * Failed authentications per source address, checked before the key is looked up: past
   * the budget a client's requests are 429s that cost no database read.
   */
  authFailureLimiter?: KeyRateLimiter;
  trustedProxies?: TrustedProxies;
  bodyLimit: number;
  /** Check every JSON reply against its documented schema (tests): a mismatch is a 500. */
  validateResponses?: boolean;
}

interface Compiled {
  params?: ValidateFunction;
  query?: ValidateFunction;
  body?: ValidateFunction;
  responses: Map<number, ValidateFunction>;
  defaultStatus: number;
}

function routeAjv(coerce: boolean): Ajv2020 {
  return newAjv({ allErrors: true, strict: false, coerceTypes: coerce, useDefaults: coerce });
}

function defaultStatus(route: RouteDef): number {
  // A redirect-only route (OAuth callback) has a 3xx as its success.
  const ok = Object.keys(route.responses).map(Number).filter((s) => s >= 200 && s < 400).sort((a, b) => a - b);
  if (ok.length === 0) throw new Error(`route ${route.id} documents no 2xx or 3xx response`);
  return ok[0];
}

function check(validate: ValidateFunction | undefined, value: unknown, where: 'params' | 'query' | 'body', status: number): void {
  if (!validate || validate(value)) return;
  const errors = validationDetails(where, validate.errors);
  const summary = errors.slice(0, 3).map((e) => `${e.path} ${e.message}`).join('; ');
  throw new HttpProblem(status, `invalid_${where}`, `the request ${where === 'body' ? 'body' : where === 'query' ? 'query string' : 'path'} is invalid: ${summary}`, errors);
}

/** Koa's query object has arrays for repeated names; schemas describe single values. */
function plainQuery(ctx: Context, dropTenant: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ctx.query)) {
    if (dropTenant && k === TENANT_QUERY) continue;
    out[k] = Array.isArray(v) ? v[v.length - 1] : v;
  }
  return out;
}

export class Registrar {
  private readonly strictAjv = routeAjv(false);
  private readonly coercingAjv = routeAjv(true);
  private readonly registered: RouteDef[] = [];

  constructor(private readonly opts: RegistrarOptions) {}

  get routes(): readonly RouteDef[] {
    return this.registered;
  }

  private compile(route: RouteDef): Compiled {
    const responses = new Map<number, ValidateFunction>();
    if (this.opts.validateResponses) {
      for (const [status, r] of Object.entries(route.responses)) if (r.schema) responses.set(Number(status), this.strictAjv.compile(r.schema));
    }
    return {
      params: route.params ? this.coercingAjv.compile(route.params) : undefined,
      query: route.query ? this.coercingAjv.compile(route.query) : undefined,
      body: route.body && !isRawBody(route.body) ? this.strictAjv.compile(route.body as JsonSchema) : undefined,
      responses,
      defaultStatus: defaultStatus(route),
    };
  }

  register(router: Router, routes: readonly RouteDef[]): void {
    const seen = new Set(this.registered.map((r) => r.id));
    for (const route of routes) {
      if (seen.has(route.id)) throw new Error(`duplicate route id ${route.id}`);
      seen.add(route.id);
      const compiled = this.compile(route);
      router.register(route.path, [route.method], [requestScope(this.opts.logger), (ctx: Context) => this.handle(route, compiled, ctx)], { name: route.id });
      this.registered.push(route);
    }
  }

  private async identify(ctx: Context, access: RouteAccess) {
    const limiter = this.opts.authFailureLimiter;
    if (!limiter || access === 'public' || ctx.get('authorization') === '') return identifyCaller(ctx, access, this.opts.services.keys);
    const address = addressKey(clientAddress(ctx.req.socket.remoteAddress, ctx.get('x-forwarded-for'), this.opts.trustedProxies ?? TrustedProxies.none));
    const before = limiter.peek(address);
    if (!before.allowed) {
      throw new HttpProblem(429, 'auth_rate_limited', `too many failed authentications from this address; retry in ${before.retryAfterSeconds}s`, undefined, { 'retry-after': String(before.retryAfterSeconds) });
    }
    try {
      return await identifyCaller(ctx, access, this.opts.services.keys);
    } catch (err) {
      if (err instanceof HttpProblem && err.status === 401) limiter.take(address);
      throw err;
    }
  }

  private async handle(route: RouteDef, c: Compiled, ctx: Context): Promise<void> {
    const scope = scopeOf(ctx) as RequestScope;
    scope.route = route.path;
    const { services } = this.opts;
    const access = route.access ?? 'tenant';

    const caller = await this.identify(ctx, access);
    scope.tenant = caller.tenant;
    scope.keyId = caller.principal?.keyId;
    if (caller.principal && this.opts.rateLimiter) {
      const decision = this.opts.rateLimiter.take(caller.principal.keyId);
      ctx.set('ratelimit-limit', String(this.opts.rateLimiter.burst));
      ctx.set('ratelimit-remaining', String(decision.remaining));
      if (!decision.allowed) {
        throw new HttpProblem(429, 'rate_limited', `too many requests for this API key; retry in ${decision.retryAfterSeconds}s`, undefined, { 'retry-after': String(decision.retryAfterSeconds) });
      }
    }

    const params = { ...ctx.params } as Record<string, string>;
    check(c.params, params, 'params', 404);
    route.admit?.(ctx, params, services);
    const query = plainQuery(ctx, access === 'tenant');
    check(c.query, query, 'query', 400);

    let body: unknown;
    let rawBody: Buffer | undefined;
    if (route.body !== undefined) {
      rawBody = await readRawBody(ctx, this.opts.bodyLimit);
      if (isRawBody(route.body)) body = rawBody;
      else {
        body = parseJsonBody(ctx, rawBody);
        if (body !== undefined || !route.bodyOptional) check(c.body, body, 'body', 422);
      }
    }

    const req: RouteRequest = {
      params,
      query,
      body,
      rawBody,
      tenant: caller.tenant ?? '',
      principal: caller.principal,
      services,
      requestId: scope.requestId,
      logger: this.opts.logger,
      signal: scope.signal,
      addSecret: (v) => addSecrets(scope.secrets, v),
    };
    const reply = await route.handler(req, ctx);
    if (reply === undefined) return;
    const status = reply.status ?? c.defaultStatus;
    for (const [k, v] of Object.entries(reply.headers ?? {})) ctx.set(k, v);
    ctx.status = status;
    if (status === 204 || reply.body === undefined) {
      ctx.body = null;
      return;
    }
    const validate = c.responses.get(status);
    if (this.opts.validateResponses && route.responses[status] === undefined) {
      throw new Error(`route ${route.id} answered ${status}, which it does not document`);
    }
    if (validate && !validate(reply.body)) {
      throw new Error(`route ${route.id} answered ${status} with a body its schema rejects: ${this.strictAjv.errorsText(validate.errors)}`);
    }
    ctx.body = reply.body;
  }
}

/** Every string in `value`, in every form it may travel in, longest first so nested ones redact whole. */
function addSecrets(list: string[], value: unknown): void {
  for (const s of collectSecrets({ credentials: { value } })) if (!list.includes(s)) list.push(s);
  list.sort((a, b) => b.length - a.length);
}

/**
 * The shape of one HTTP route. Routes are data: the registrar (registrar.ts) reads the same
 * definition to authenticate, validate the request with Ajv, call the handler, and write the
 * OpenAPI document, so the document cannot drift from what the server accepts.
 *
 * A route module exports `routes: RouteDef[]` and is listed in routes/index.ts.
 */
import type { Context } from 'koa';
import type { Logger } from '../core/log.js';
import type { RuntimeServices } from './services.js';
import type { Principal } from './auth/keys.js';

export type { Principal };

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1). */
export type JsonSchema = Record<string, unknown>;

/**
 * Who may call:
 * - `tenant`: a tenant's API key, or the admin key naming a tenant (`?tenant=` or `X-Patchbay-Tenant`);
 * - `key`: any valid key, tenant or admin; the route is about no tenant's data (connector catalogue);
 * - `admin`: the admin key only;
 * - `public`: no key; the route proves the caller itself (a webhook signature, an OAuth `state`).
 */
export type RouteAccess = 'tenant' | 'key' | 'admin' | 'public';

export interface ResponseDef {
  description: string;
  /** JSON body schema; absent for empty responses (204) and redirects. */
  schema?: JsonSchema;
  /** Default `application/json`. */
  contentType?: string;
  /** Response headers worth documenting (`Location`, `Retry-After`). */
  headers?: Record<string, { description: string; schema?: JsonSchema }>;
}

export interface RawBodySpec {
  /** The handler gets the bytes unparsed (signature verification needs them exactly). */
  raw: true;
  /** Media types documented (and accepted); default any. */
  contentTypes?: string[];
  description?: string;
}

export interface RouteDef {
  /** Stable and unique; the OpenAPI operationId. */
  id: string;
  method: RouteMethod;
  /** koa-router syntax: `/v1/connections/:id`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Default `tenant`. */
  access?: RouteAccess;
  /** Object schema whose properties are the path parameters (strings, coerced). */
  params?: JsonSchema;
  /** Object schema of the query string (values coerced to the declared types, defaults applied). */
  query?: JsonSchema;
  /** JSON request body schema (validated, never coerced), or a raw body. */
  body?: JsonSchema | RawBodySpec;
  /** A request without a body is accepted (the handler gets `undefined`). */
  bodyOptional?: boolean;
  /** Status code → response. The first 2xx is the default reply status. */
  responses: Record<number, ResponseDef>;
  /** Problem codes this route can answer with besides the common ones, for the docs. */
  problems?: number[];
  /**
   * Runs after the path is validated and before the body is read or any handler work
   * (database included): a budget on a public route throws its 429 here.
   */
  admit?: (ctx: Context, params: Record<string, string>, services: RuntimeServices) => void;
  handler: RouteHandler;
}

/** The authenticated caller. */
export interface RouteRequest<P = Record<string, string>, Q = Record<string, unknown>, B = unknown> {
  params: P;
  query: Q;
  /** Parsed and validated JSON body, or the raw bytes for a raw-body route. */
  body: B;
  rawBody?: Buffer;
  /** The tenant the request acts for; always set on `tenant` routes, '' elsewhere. */
  tenant: string;
  principal?: Principal;
  services: RuntimeServices;
  requestId: string;
  logger: Logger;
  /** Aborted when the client goes away or the server shuts down. */
  signal: AbortSignal;
  /** Values to blank out of any error this request answers with (credentials it carried). */
  addSecret(value: unknown): void;
}

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * Returns the reply, or `undefined` when it answered through `ctx` itself (a redirect). Errors
 * are thrown: a `ConnectorError` or an `HttpProblem` (problem.ts) becomes problem+json.
 */
export type RouteHandler = (req: RouteRequest<any, any, any>, ctx: Context) => Promise<Reply | undefined> | Reply | undefined;

/** Identity helper that keeps route literals type-checked. */
export function defineRoute(def: RouteDef): RouteDef {
  return def;
}

export function isRawBody(body: RouteDef['body']): body is RawBodySpec {
  return body !== undefined && (body as RawBodySpec).raw === true;
}

/**
 * Tenants' connections. Creating or updating one runs the connector's check first (unless
 * `skip_check`), so a stored connection is one that worked; credentials go in and never
 * come back out.
 */
import { AUTH_ERROR_KINDS } from '../../platform/connections/service.js';
import { isConnectorError } from '../../core/errors.js';
import { BASE_URL_SETTING } from '../base-url.js';
import { HttpProblem } from '../problem.js';
import { presentConnection, presentPage } from '../present.js';
import { LIMITS } from '../../platform/store/paging.js';
import { defineRoute, type RouteDef, type RouteRequest } from '../route.js';
import { ConnectionSchema, JsonObject, Name, pageOf, pageQuery } from '../schemas.js';
import type { RuntimeServices } from '../services.js';
import { ConnectionParams, requireConnection, resolveOwnConnection, requireUsable } from './common.js';

const baseUrl = {
  type: 'string',
  format: 'uri',
  pattern: '^https?://',
  maxLength: 2000,
  description: "Replaces the manifest's base URL. Accepted only when the server runs with base URL overrides enabled (tests, sandboxes).",
} as const;

const ConnectionName = { type: 'string', minLength: 1, maxLength: 200 } as const;
const credentials = { ...JsonObject, description: 'Secret values for the auth method (write-only: never returned).', writeOnly: true };

const CreateBody = {
  type: 'object',
  required: ['connector', 'name'],
  additionalProperties: false,
  properties: {
    connector: { ...Name, description: 'Connector id (see GET /v1/connectors).' },
    name: { ...ConnectionName, description: "Unique per tenant and connector, e.g. the account's name." },
    auth: { ...Name, description: "Auth method name; default the connector's default method." },
    config: { ...JsonObject, description: "Values for the connector's config_schema." },
    credentials,
    skip_check: { type: 'boolean', default: false, description: "Store without running the connector's check request." },
    base_url: baseUrl,
    environment: { ...Name, description: "One of the connector's environments (see GET /v1/connectors/{id}); default its default one." },
  },
} as const;

const ChoiceBody = {
  type: 'object',
  required: ['option'],
  additionalProperties: false,
  properties: { option: { type: 'string', minLength: 1, maxLength: 500, description: 'The id of one of `pending_choice.options`.' } },
} as const;

const UpdateBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    name: ConnectionName,
    auth: Name,
    config: JsonObject,
    credentials,
    merge_credentials: { type: 'boolean', default: false, description: 'Merge `credentials` over the stored ones instead of replacing them.' },
    skip_check: { type: 'boolean', default: false },
    base_url: { anyOf: [baseUrl, { type: 'null' }] },
  },
} as const;

const CheckResultSchema = {
  type: 'object',
  required: ['ok'],
  properties: {
    ok: { type: 'boolean' },
    output: { description: "What the connector's check reports about the account." },
    error: {
      type: 'object',
      required: ['kind', 'message'],
      properties: { kind: { type: 'string' }, message: { type: 'string' }, provider_status: { type: 'integer' }, provider_code: { type: 'string' } },
    },
  },
} as const;

/** Setting an override needs the server's permission; removing one (`null`) never does. */
function assertBaseUrlAllowed(services: RuntimeServices, value: unknown): void {
  if (value !== undefined && value !== null && !services.policy.allowBaseUrlOverride) {
    throw new HttpProblem(422, 'base_url_not_allowed', 'this server does not accept base_url overrides', [{ path: 'body.base_url', message: 'is not allowed on this server' }]);
  }
}

interface CreateInput {
  connector: string; name: string; auth?: string; config?: Record<string, unknown>;
  credentials?: Record<string, unknown>; skip_check?: boolean; base_url?: string; environment?: string;
}

async function create(req: RouteRequest<Record<string, string>, Record<string, unknown>, CreateInput>) {
  const { body, services } = req;
  req.addSecret(body.credentials);
  if (!services.engine.plans.has(body.connector)) {
    throw new HttpProblem(422, 'unknown_connector', `there is no connector "${body.connector}"`, [{ path: 'body.connector', message: 'is not a connector of this server' }]);
  }
  assertBaseUrlAllowed(services, body.base_url);
  const info = await services.platform.connections.create({
    tenant: req.tenant,
    connector: body.connector,
    name: body.name,
    auth: body.auth,
    config: body.config,
    credentials: body.credentials,
    settings: body.base_url ? { [BASE_URL_SETTING]: body.base_url } : undefined,
    skipCheck: body.skip_check,
    environment: body.environment,
  });
  return { status: 201, body: presentConnection(info, services.policy.allowBaseUrlOverride), headers: { location: `/v1/connections/${info.id}` } };
}

interface UpdateInput {
  name?: string; auth?: string; config?: Record<string, unknown>; credentials?: Record<string, unknown>;
  merge_credentials?: boolean; skip_check?: boolean; base_url?: string | null;
}

async function update(req: RouteRequest<{ id: string }, Record<string, unknown>, UpdateInput>) {
  const { body, services } = req;
  req.addSecret(body.credentials);
  const info = await requireConnection(req);
  assertBaseUrlAllowed(services, body.base_url);
  let settings: Record<string, unknown> | undefined;
  if (body.base_url !== undefined) {
    settings = { ...info.settings };
    if (body.base_url === null) delete settings[BASE_URL_SETTING];
    else settings[BASE_URL_SETTING] = body.base_url;
  }
  const ref = { tenant: req.tenant, id: info.id };
  let updated = await services.platform.connections.update(ref, {
    name: body.name,
    auth: body.auth,
    config: body.config,
    credentials: body.credentials,
    mergeCredentials: body.merge_credentials,
    settings,
    skipCheck: body.skip_check,
  });
  // New credentials that passed the check bring a disconnected connection back.
  if (updated.status === 'disconnected' && body.credentials !== undefined && !body.skip_check) {
    await services.platform.connections.markActive(services.platform.store.scope(req.tenant), info.id);
    updated = (await requireConnection(req));
  }
  return { body: presentConnection(updated, services.policy.allowBaseUrlOverride) };
}

async function runCheck(req: RouteRequest<{ id: string }>) {
  const { services } = req;
  const { scope, info, connection } = await resolveOwnConnection(req);
  requireUsable(services, info);
  try {
    const result = await services.engine.check(connection, { signal: req.signal });
    if (info.status === 'error') await services.platform.connections.markActive(scope, info.id);
    return { body: { ok: true, output: result.output } };
  } catch (err) {
    if (!isConnectorError(err) || err.kind === 'validation') throw err;
    if (AUTH_ERROR_KINDS.has(err.kind)) await services.platform.connections.markError(scope, info.id, err, connection);
    const error: Record<string, unknown> = { kind: err.kind, message: err.message };
    if (err.status !== undefined) error.provider_status = err.status;
    if (err.providerCode !== undefined) error.provider_code = err.providerCode;
    return { body: { ok: false, error } };
  }
}

export const routes: RouteDef[] = [
  defineRoute({
    id: 'createConnection',
    method: 'POST',
    path: '/v1/connections',
    summary: 'Connect an account: validate, run the check, store sealed',
    tags: ['connections'],
    body: CreateBody,
    responses: {
      201: { description: 'The stored connection', schema: ConnectionSchema, headers: { location: { description: 'The connection URL' } } },
    },
    problems: [409, 422, 424, 502],
    handler: create,
  }),
  defineRoute({
    id: 'listConnections',
    method: 'GET',
    path: '/v1/connections',
    summary: "The tenant's connections",
    tags: ['connections'],
    description: 'Oldest first.',
    query: pageQuery(LIMITS.connections, { connector: Name, status: { enum: ['active', 'error', 'disconnected', 'needs_choice'] } }),
    responses: { 200: { description: 'A page of connections', schema: pageOf('connections', ConnectionSchema) } },
    problems: [400],
    handler: async (req) => {
      const page = await req.services.platform.connections.list({
        tenant: req.tenant, connector: req.query.connector as string | undefined, status: req.query.status as 'active' | undefined,
        limit: req.query.limit as number, cursor: req.query.cursor as string | undefined, param: 'query.cursor',
      });
      return { body: presentPage('connections', page, (c) => presentConnection(c, req.services.policy.allowBaseUrlOverride)) };
    },
  }),
  defineRoute({
    id: 'getConnection',
    method: 'GET',
    path: '/v1/connections/:id',
    summary: 'One connection (never its credentials)',
    tags: ['connections'],
    params: ConnectionParams,
    responses: { 200: { description: 'The connection', schema: ConnectionSchema } },
    problems: [404],
    handler: async (req) => {
      const info = await requireConnection(req);
      const subscriptions = await req.services.platform.webhooks.subscriptions.list({ tenant: req.tenant, id: info.id });
      return { body: presentConnection(info, req.services.policy.allowBaseUrlOverride, subscriptions) };
    },
  }),
  defineRoute({
    id: 'updateConnection',
    method: 'PATCH',
    path: '/v1/connections/:id',
    summary: 'Change name, config or credentials; the check runs again before anything is stored',
    tags: ['connections'],
    params: ConnectionParams,
    body: UpdateBody,
    responses: { 200: { description: 'The updated connection', schema: ConnectionSchema } },
    problems: [404, 409, 422, 424, 502],
    handler: update,
  }),
  defineRoute({
    id: 'deleteConnection',
    method: 'DELETE',
    path: '/v1/connections/:id',
    summary: 'Disconnect: wipe the credentials, keep the history',
    tags: ['connections'],
    params: ConnectionParams,
    responses: { 200: { description: 'The disconnected connection', schema: ConnectionSchema } },
    problems: [404],
    handler: async (req) => {
      const info = await requireConnection(req);
      const ref = { tenant: req.tenant, id: info.id };
      const disconnected = await req.services.platform.connections.disconnect(ref);
      // What the disconnect left owed to the provider (unsubscribes, token revocation) shows here, pending.
      return { body: presentConnection(disconnected, req.services.policy.allowBaseUrlOverride, await req.services.platform.webhooks.subscriptions.list(ref)) };
    },
  }),
  defineRoute({
    id: 'chooseConnectionOption',
    method: 'POST',
    path: '/v1/connections/:id/choice',
    summary: 'Complete a connection waiting in `needs_choice` with one of its options',
    description: "The set-up step's request is sent again, the chosen candidate's settings and credentials are stored, the remaining steps and the check run. A failure changes nothing (the connection keeps waiting).",
    tags: ['connections'],
    params: ConnectionParams,
    body: ChoiceBody,
    responses: { 200: { description: 'The connection, active (or waiting for a later choice)', schema: ConnectionSchema } },
    problems: [404, 409, 422, 424, 502],
    handler: async (req: RouteRequest<{ id: string }, Record<string, unknown>, { option: string }>) => {
      const info = await requireConnection(req);
      const done = await req.services.platform.connections.choose({ tenant: req.tenant, id: info.id }, req.body.option);
      return { body: presentConnection(done, req.services.policy.allowBaseUrlOverride) };
    },
  }),
  defineRoute({
    id: 'checkConnection',
    method: 'POST',
    path: '/v1/connections/:id/check',
    summary: "Run the connector's check request with the stored credentials",
    description: 'A provider failure is reported as `ok: false` with the error, and marks the connection `error` when the credentials were refused.',
    tags: ['connections'],
    params: ConnectionParams,
    responses: { 200: { description: 'Whether the check passed', schema: CheckResultSchema } },
    problems: [404, 409, 422],
    handler: runCheck,
  }),
];

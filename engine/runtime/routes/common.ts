/**
 * What connection-scoped routes share: looking a connection up within the caller's tenant
 * (another tenant's id is a 404 worded exactly like a missing one), and the path schemas.
 */
import { isConnectorError } from '../../core/errors.js';
import { planStream, type Plan, type PlanStream } from '../../plan/plan.js';
import type { ResolvedStoredConnection } from '../../platform/connections/service.js';
import type { ConnectionInfo } from '../../platform/store/connections.js';
import { isStreamName } from '../../platform/sync/discovered.js';
import { baseUrlNotAllowed, storedBaseUrl } from '../base-url.js';
import { HttpProblem, notFound } from '../problem.js';
import type { RouteRequest } from '../route.js';
import type { RuntimeServices } from '../services.js';
import { Id, Name } from '../schemas.js';

export const ConnectionParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { ...Id, description: 'Connection id.' } },
} as const;

export const StreamParams = {
  type: 'object',
  required: ['id', 'stream'],
  properties: { id: { ...Id, description: 'Connection id.' }, stream: { ...Name, description: 'Stream name from the connector manifest, or `<family>.<key>` of a discovered stream.' } },
} as const;

/** A stream's path plus one record id: what the id means (stored key, or the provider's id) is the route's to say. */
export function recordParams(recordId: Record<string, unknown>) {
  return {
    type: 'object',
    required: ['id', 'stream', 'record_id'],
    properties: { ...StreamParams.properties, record_id: recordId },
  } as const;
}

export type TenantRequest<P = { id: string }, Q = Record<string, unknown>, B = unknown> = RouteRequest<P, Q, B>;

/**
 * Where in the request a service's refusal points: a JSON pointer into the body or query
 * (`/events/0`) becomes `body.events.0`; a path already named for the request (the paging
 * codec's `query.cursor`) is kept.
 */
export function requestPath(input: 'body' | 'query', path: string): string {
  return path.startsWith(`${input}.`) ? path : `${input}${path.replace(/\//g, '.')}`;
}

export const connectionNotFound = () => notFound('connection', 'connection_not_found');

/** The connection, if it belongs to the caller's tenant. */
export async function requireConnection(req: { tenant: string; params: { id: string }; services: RuntimeServices }): Promise<ConnectionInfo> {
  const info = await req.services.platform.connections.get({ tenant: req.tenant, id: req.params.id });
  if (!info) throw connectionNotFound();
  return info;
}

/** The connection with its credentials opened, for the engine; tenant-checked the same way. */
export async function resolveOwnConnection(req: { tenant: string; params: { id: string }; services: RuntimeServices }): Promise<ResolvedStoredConnection> {
  try {
    return await req.services.platform.connections.resolve({ tenant: req.tenant, id: req.params.id });
  } catch (err) {
    if (isConnectorError(err) && err.kind === 'not_found') throw connectionNotFound();
    throw err;
  }
}

/**
 * `resolveOwnConnection` for action calls, the hot path: may reuse a connection this process
 * read moments ago (RuntimePolicy.connectionCacheMs). The cache is keyed by tenant, so the
 * tenant check is the same as a fresh read's.
 */
export async function resolveConnectionForCall(req: { tenant: string; params: { id: string }; services: RuntimeServices }): Promise<ResolvedStoredConnection> {
  try {
    return await req.services.platform.connections.resolveRecent({ tenant: req.tenant, id: req.params.id }, req.services.policy.connectionCacheMs);
  } catch (err) {
    if (isConnectorError(err) && err.kind === 'not_found') throw connectionNotFound();
    throw err;
  }
}

/**
 * A connection this server can use: not disconnected, and no stored base URL override
 * unless the server applies them (else its calls would quietly go to the real provider).
 */
export function requireUsable(services: RuntimeServices, info: ConnectionInfo): void {
  requireActive(info);
  if (!services.policy.allowBaseUrlOverride && storedBaseUrl(info.settings) !== undefined) throw baseUrlNotAllowed(info);
}

export function requireActive(info: ConnectionInfo): void {
  if (info.status === 'disconnected') {
    throw new HttpProblem(409, 'connection_disconnected', `connection ${info.id} is disconnected; update it with new credentials to use it again`);
  }
  // Its set-up has not finished: requests would go out without the account it is for.
  if (info.status === 'needs_choice') {
    throw new HttpProblem(409, 'connection_needs_choice', `connection ${info.id} waits for a choice; POST one of its pending_choice options to /v1/connections/${info.id}/choice`);
  }
}

export function planOf(services: RuntimeServices, connector: string): Plan {
  const plan = services.engine.plans.get(connector);
  if (!plan) throw new HttpProblem(404, 'connector_not_found', `connector "${connector}" not found`);
  return plan;
}

export function requireStream(services: RuntimeServices, info: ConnectionInfo, stream: string): PlanStream {
  const s = planStream(planOf(services, info.connector), stream);
  if (!s) throw new HttpProblem(404, 'stream_not_found', `connector ${info.connector} has no stream "${stream}"`);
  return s;
}

/**
 * A name a stream of the connector can have: a declared stream, or `<family>.<key>` of a
 * declared dynamic family, whose records, runs and schedule are kept under that name (the
 * platform answers not_found when a sync or schedule names a key the provider does not list).
 */
export function requireStreamName(services: RuntimeServices, info: ConnectionInfo, stream: string): void {
  if (isStreamName(planOf(services, info.connector), stream)) return;
  throw new HttpProblem(404, 'stream_not_found', `connector ${info.connector} has no stream "${stream}"`);
}

/** A provider call for a stored connection, through the platform's refusal bookkeeping. */
export function markingRefusals<T>(services: RuntimeServices, resolved: ResolvedStoredConnection, fn: () => Promise<T>): Promise<T> {
  return services.platform.connections.markingRefusals(resolved.scope, resolved.info.id, resolved.connection, fn);
}

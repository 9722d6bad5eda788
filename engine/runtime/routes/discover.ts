/**
 * Discovered streams of a connection (`dynamic_streams`): discovery asks the provider now and
 * keeps the list; each stream is then synced, scheduled and read under its `<family>.<key>` name.
 */
import { presentDiscoveredStream, presentDiscovery } from '../present.js';
import { component, Name } from '../schemas.js';
import { defineRoute, type JsonSchema, type RouteDef } from '../route.js';
import { ConnectionParams, planOf, requireConnection, requireUsable } from './common.js';
import { HttpProblem } from '../problem.js';
import { planFamily } from '../../plan/plan.js';

const str = { type: 'string' } as const;

export const DiscoveredStreamSchema = component('DiscoveredStream', {
  type: 'object',
  description: 'A stream discovered from the provider, read with its family\'s template.',
  required: ['name', 'family', 'key', 'primary_key', 'item'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', description: '`<family>.<key>`: the stream name for syncs, schedules and records.' },
    family: str,
    key: str,
    title: str,
    primary_key: { type: 'array', items: str },
    item: { description: 'The discovered item, as the template saw it.' },
    discovered_at: { type: 'string', format: 'date-time' },
  },
});

const SkippedSchema = component('SkippedDiscoveredItem', {
  type: 'object',
  description: 'A discovered item that names no stream, and why.',
  required: ['family', 'reason'],
  additionalProperties: false,
  properties: { family: str, key: str, reason: str },
});

function listOf(skipped: boolean): JsonSchema {
  return {
    type: 'object',
    required: ['streams', 'next_cursor', 'has_more', ...(skipped ? ['skipped'] : [])],
    additionalProperties: false,
    properties: {
      streams: { type: 'array', items: DiscoveredStreamSchema },
      ...(skipped ? { skipped: { type: 'array', items: SkippedSchema } } : {}),
      next_cursor: { type: 'null', description: 'Always null: the whole list is one page.' },
      has_more: { type: 'boolean', description: 'Always false.' },
    },
  };
}

const FamilyQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { family: { ...Name, description: 'Only this dynamic family; default every family.' } },
} as const;

function requireFamily(services: Parameters<typeof planOf>[0], connector: string, family: string | undefined): void {
  if (family === undefined || planFamily(planOf(services, connector), family)) return;
  throw new HttpProblem(404, 'stream_not_found', `connector ${connector} has no dynamic stream family "${family}"`);
}

export const routes: RouteDef[] = [
  defineRoute({
    id: 'discoverStreams',
    method: 'POST',
    path: '/v1/connections/:id/discover',
    summary: "Discover the connection's dynamic streams from the provider now, and keep the list",
    description: 'One discovery request per family. Items whose key is not a valid stream key (or repeats one) are listed under `skipped`. A stream no longer listed leaves the list; its records and state are kept.',
    tags: ['syncs'],
    params: ConnectionParams,
    query: FamilyQuery,
    responses: { 200: { description: 'The discovered streams', schema: listOf(true) } },
    problems: [404, 409, 422],
    handler: async (req) => {
      const info = await requireConnection(req);
      requireUsable(req.services, info);
      const family = req.query.family as string | undefined;
      requireFamily(req.services, info.connector, family);
      const result = await req.services.platform.discover({ tenant: req.tenant, id: info.id }, family, { signal: req.signal });
      return { body: presentDiscovery(result) };
    },
  }),
  defineRoute({
    id: 'listDiscoveredStreams',
    method: 'GET',
    path: '/v1/connections/:id/discovered',
    summary: 'The dynamic streams the last discovery of the connection listed',
    tags: ['syncs'],
    params: ConnectionParams,
    query: FamilyQuery,
    responses: { 200: { description: 'The stored discovered streams', schema: listOf(false) } },
    problems: [404],
    handler: async (req) => {
      const info = await requireConnection(req);
      const family = req.query.family as string | undefined;
      requireFamily(req.services, info.connector, family);
      const list = await req.services.platform.discovered.list({ tenant: req.tenant, id: info.id }, family);
      return { body: { streams: list.map(presentDiscoveredStream), next_cursor: null, has_more: false } };
    },
  }),
];

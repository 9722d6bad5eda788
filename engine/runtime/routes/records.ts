/** Synced records of a stream, and their change feed, as stored by the last syncs. */
import { presentChange, presentRecord } from '../present.js';
import { defineRoute, type RouteDef } from '../route.js';
import { ChangeSchema, RecordSchema } from '../schemas.js';
import { requireConnection, requireStream, StreamParams } from './common.js';

const limit = { type: 'integer', minimum: 1, maximum: 1000, default: 100 } as const;

export const routes: RouteDef[] = [
  defineRoute({
    id: 'listRecords',
    method: 'GET',
    path: '/v1/connections/:id/streams/:stream/records',
    summary: 'Stored records of a stream, in primary key order',
    tags: ['records'],
    params: StreamParams,
    query: {
      type: 'object',
      additionalProperties: false,
      properties: {
        limit,
        cursor: { type: 'string', maxLength: 1000, description: '`next_cursor` of the previous page.' },
        include_deleted: { type: 'boolean', default: false },
      },
    },
    responses: {
      200: {
        description: 'A page of records',
        schema: {
          type: 'object',
          required: ['records'],
          properties: { records: { type: 'array', items: RecordSchema }, next_cursor: { type: 'string', description: 'Absent on the last page.' } },
        },
      },
    },
    problems: [400, 404],
    handler: async (req) => {
      const info = await requireConnection(req);
      requireStream(req.services, info, req.params.stream);
      const page = await req.services.platform.records.list({ tenant: req.tenant, id: info.id }, req.params.stream, {
        limit: req.query.limit as number, after: req.query.cursor as string | undefined, includeDeleted: req.query.include_deleted as boolean, param: 'query.cursor',
      });
      return { body: { records: page.records.map(presentRecord), next_cursor: page.next } };
    },
  }),
  defineRoute({
    id: 'listChanges',
    method: 'GET',
    path: '/v1/connections/:id/streams/:stream/changes',
    summary: 'The change feed: records added, updated or deleted since a point, oldest first',
    tags: ['records'],
    params: StreamParams,
    query: {
      type: 'object',
      additionalProperties: false,
      properties: { since: { type: 'string', maxLength: 40, description: '`next` of the previous call; omit for everything.' }, limit },
    },
    responses: {
      200: {
        description: 'A page of changes',
        schema: {
          type: 'object',
          required: ['changes', 'next', 'has_more'],
          properties: { changes: { type: 'array', items: ChangeSchema }, next: { type: 'string' }, has_more: { type: 'boolean' } },
        },
      },
    },
    problems: [400, 404],
    handler: async (req) => {
      const info = await requireConnection(req);
      requireStream(req.services, info, req.params.stream);
      const page = await req.services.platform.records.changes({ tenant: req.tenant, id: info.id }, req.params.stream, {
        since: req.query.since as string | undefined, limit: req.query.limit as number, param: 'query.since',
      });
      return { body: { changes: page.changes.map(presentChange), next: page.next, has_more: page.hasMore } };
    },
  }),
];

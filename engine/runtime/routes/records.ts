/** Synced records of a stream, and their change feed, as stored by the last syncs. */
import { LIMITS } from '../../platform/store/paging.js';
import { presentChange, presentPage, presentRecord } from '../present.js';
import { defineRoute, type RouteDef } from '../route.js';
import { ChangeSchema, pageOf, pageQuery, RecordSchema } from '../schemas.js';
import { requireConnection, requireStreamName, StreamParams } from './common.js';

export const routes: RouteDef[] = [
  defineRoute({
    id: 'listRecords',
    method: 'GET',
    path: '/v1/connections/:id/streams/:stream/records',
    summary: 'Stored records of a stream, in primary key order',
    tags: ['records'],
    params: StreamParams,
    query: pageQuery(LIMITS.records, { include_deleted: { type: 'boolean', default: false } }),
    responses: { 200: { description: 'A page of records', schema: pageOf('records', RecordSchema) } },
    problems: [400, 404],
    handler: async (req) => {
      const info = await requireConnection(req);
      requireStreamName(req.services, info, req.params.stream);
      const page = await req.services.platform.records.list({ tenant: req.tenant, id: info.id }, req.params.stream, {
        limit: req.query.limit as number, cursor: req.query.cursor as string | undefined, includeDeleted: req.query.include_deleted as boolean, param: 'query.cursor',
      });
      return { body: presentPage('records', page, presentRecord) };
    },
  }),
  defineRoute({
    id: 'listChanges',
    method: 'GET',
    path: '/v1/connections/:id/streams/:stream/changes',
    summary: 'The change feed: records added, updated or deleted after a point, oldest first',
    description: "The cursor is the feed's position (its change sequence). `next_cursor` is always set, also on the last page: keep it and pass it later to read only what changed since.",
    tags: ['records'],
    params: StreamParams,
    query: pageQuery(LIMITS.changes, {
      since: { type: 'string', maxLength: 40, deprecated: true, description: 'Deprecated: the plain change sequence the feed returned as `next` before cursors; use `cursor`.' },
    }),
    responses: {
      200: { description: 'A page of changes', schema: pageOf('changes', ChangeSchema, 'Where to continue: the next page, or later what changed after this one. Never null.') },
    },
    problems: [400, 404],
    handler: async (req) => {
      const info = await requireConnection(req);
      requireStreamName(req.services, info, req.params.stream);
      const page = await req.services.platform.records.changes({ tenant: req.tenant, id: info.id }, req.params.stream, {
        cursor: req.query.cursor as string | undefined, since: req.query.since as string | undefined, limit: req.query.limit as number,
        param: 'query.cursor', sinceParam: 'query.since',
      });
      return { body: presentPage('changes', page, presentChange) };
    },
  }),
];

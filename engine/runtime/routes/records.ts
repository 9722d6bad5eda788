/** Synced records of a stream, and their change feed, as stored by the last syncs. */
import { LIMITS } from '../../platform/store/paging.js';
import { FILTER_OPS, FILTER_PARAM, MAX_FILTERS, parseFilterParam, type RecordFilter } from '../../platform/store/record-filters.js';
import { HttpProblem } from '../problem.js';
import { presentChange, presentPage, presentRecord } from '../present.js';
import { defineRoute, type RouteDef } from '../route.js';
import { ChangeSchema, pageOf, pageQuery, RecordSchema } from '../schemas.js';
import { recordParams, requireConnection, requireStreamName, StreamParams } from './common.js';

const FILTER_DOC =
  `Conditions on the record's fields, all of which must hold (at most ${MAX_FILTERS}): \`filter[email]=ada@example.com\` ` +
  `(equal), \`filter[total][gte]=100\`, \`filter[address.city][ne]=Paris\`; operators ${FILTER_OPS.join(', ')}. ` +
  'Equality matches a string equal to the value, a number equal to it, or `true`, `false`, `null`. A range compares ' +
  'numerically when the value is a number (numbers and decimal strings such as money `"12.50"`), else as text (ISO 8601 times).';

/** The records list's query: paging, `include_deleted`, `updated_since` and `filter[…]` keys. */
const recordsQuery = {
  ...pageQuery(LIMITS.records, {
    include_deleted: { type: 'boolean', default: false },
    updated_since: { type: 'string', format: 'date-time', description: 'Only records Patchbay added, changed or deleted at or after this time (ISO 8601).' },
  }),
  patternProperties: { [FILTER_PARAM.source]: { type: 'string', maxLength: 1000 } },
  'x-parameters': [{
    name: 'filter', in: 'query', required: false, style: 'deepObject', explode: true, description: FILTER_DOC,
    schema: { type: 'object', additionalProperties: { oneOf: [{ type: 'string' }, { type: 'object', additionalProperties: { type: 'string' } }] } },
  }],
};

function filtersOf(query: Record<string, unknown>): RecordFilter[] {
  const out: RecordFilter[] = [];
  for (const [k, v] of Object.entries(query)) {
    const f = parseFilterParam(k, String(v));
    if (f) out.push(f);
  }
  return out;
}

function sinceOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(String(value));
  if (!Number.isFinite(ms)) throw new HttpProblem(400, 'invalid_query', `updated_since "${String(value)}" is not an ISO 8601 time`);
  return ms;
}

export const routes: RouteDef[] = [
  defineRoute({
    id: 'listRecords',
    method: 'GET',
    path: '/v1/connections/:id/streams/:stream/records',
    summary: 'Stored records of a stream, in primary key order',
    tags: ['records'],
    params: StreamParams,
    description: `Filtered with \`filter[<field>]\` and \`filter[<field>][<op>]\`: ${FILTER_DOC} A bad filter is a 400 \`invalid_filter\`.`,
    query: recordsQuery,
    responses: { 200: { description: 'A page of records', schema: pageOf('records', RecordSchema) } },
    problems: [400, 404],
    handler: async (req) => {
      const info = await requireConnection(req);
      requireStreamName(req.services, info, req.params.stream);
      const page = await req.services.platform.records.list({ tenant: req.tenant, id: info.id }, req.params.stream, {
        limit: req.query.limit as number, cursor: req.query.cursor as string | undefined, includeDeleted: req.query.include_deleted as boolean, param: 'query.cursor',
        updatedSince: sinceOf(req.query.updated_since), filters: filtersOf(req.query),
      });
      return { body: presentPage('records', page, presentRecord) };
    },
  }),
  defineRoute({
    id: 'getRecord',
    method: 'GET',
    path: '/v1/connections/:id/streams/:stream/records/:record_id',
    summary: 'One stored record of a stream by its primary key',
    description: 'As the last sync or webhook stored it; a soft-deleted record is returned with `deleted_at`. A record never stored is 404 `record_not_found` (`/fetch/:record_id` reads the provider instead).',
    tags: ['records'],
    params: recordParams({ type: 'string', minLength: 1, maxLength: 500, description: "The record's primary key value (`id` in the list)." }),
    responses: { 200: { description: 'The record', schema: { type: 'object', required: ['record'], additionalProperties: false, properties: { record: RecordSchema } } } },
    problems: [404],
    handler: async (req) => {
      const info = await requireConnection(req);
      requireStreamName(req.services, info, req.params.stream);
      const record = await req.services.platform.records.get({ tenant: req.tenant, id: info.id }, req.params.stream, req.params.record_id);
      if (!record) throw new HttpProblem(404, 'record_not_found', `stream ${req.params.stream} of connection ${info.id} has no stored record ${JSON.stringify(req.params.record_id)}`);
      return { body: { record: presentRecord(record) } };
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

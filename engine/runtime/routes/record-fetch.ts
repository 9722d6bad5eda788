/**
 * One record read live from the provider by id, through the stream's single-record request
 * (`get:` in the manifest). Nothing is stored: this is the provider's answer now, where
 * `/records` is what the last syncs stored.
 */
import { HttpProblem } from '../problem.js';
import { defineRoute, type RouteDef } from '../route.js';
import { Id } from '../schemas.js';
import { markingRefusals, recordParams, requireStream, requireUsable, resolveConnectionForCall } from './common.js';

export const routes: RouteDef[] = [
  defineRoute({
    id: 'fetchRecord',
    method: 'GET',
    path: '/v1/connections/:id/streams/:stream/fetch/:record_id',
    summary: "Read one record from the provider by id, through the stream's single-record request",
    description:
      "Mapped by the stream's `mapping`, as a sync would store it (`raw=true`: as the provider sent it). " +
      'A stream without a single-record request is 404 `stream_has_no_get`; a record the provider does not have is 404 `provider_not_found`.',
    tags: ['records'],
    params: recordParams({ ...Id, description: "The record's id at the provider." }),
    query: { type: 'object', additionalProperties: false, properties: { raw: { type: 'boolean', default: false } } },
    responses: {
      200: { description: 'The record', schema: { type: 'object', required: ['record'], properties: { record: { type: 'object', additionalProperties: true } } } },
    },
    problems: [400, 404, 424, 429, 502, 504],
    handler: async (req) => {
      const { services } = req;
      const resolved = await resolveConnectionForCall(req);
      const { info, connection } = resolved;
      requireUsable(services, info);
      const stream = requireStream(services, info, req.params.stream);
      if (!stream.get) throw new HttpProblem(404, 'stream_has_no_get', `stream ${stream.name} of ${info.connector} has no single-record request (\`get:\` in its manifest)`);
      const record = await markingRefusals(services, resolved, () => services.engine.get(connection, stream.name, req.params.record_id, { signal: req.signal, raw: req.query.raw === true }));
      return { body: { record } };
    },
  }),
];

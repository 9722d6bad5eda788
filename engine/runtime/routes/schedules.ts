/** One schedule per stream: a fixed interval or a cron expression; the server's scheduler runs it. */
import type { ScheduleInput } from '../../platform/sync/timing.js';
import { isConnectorError } from '../../core/errors.js';
import { HttpProblem, notFound } from '../problem.js';
import { presentSchedule } from '../present.js';
import { defineRoute, type RouteDef } from '../route.js';
import { ScheduleSchema } from '../schemas.js';
import { requireConnection, requireStreamName, StreamParams } from './common.js';

const duration = {
  anyOf: [{ type: 'string', pattern: '^[0-9]+(ms|s|m|h|d)?$' }, { type: 'integer', minimum: 0 }],
} as const;

const ScheduleBody = {
  type: 'object',
  additionalProperties: false,
  description: 'Exactly one of `every` and `cron`.',
  properties: {
    every: { ...duration, description: 'Interval: `15m`, `1h`, or milliseconds; between 1s and 366d.' },
    cron: { type: 'string', minLength: 1, maxLength: 200, description: 'Five-field cron expression (minute hour day month weekday), e.g. `0 * * * *`; no seconds field.' },
    timezone: { type: 'string', maxLength: 100, description: 'IANA time zone for `cron`, e.g. `Europe/Paris`; default UTC.' },
    jitter: { ...duration, description: 'Random delay added to each occurrence; at most 366d.' },
    enabled: { type: 'boolean', default: true },
  },
} as const;

const path = '/v1/connections/:id/streams/:stream/schedule';

export const routes: RouteDef[] = [
  defineRoute({
    id: 'putSchedule',
    method: 'PUT',
    path,
    summary: "Create or replace a stream's schedule",
    tags: ['schedules'],
    params: StreamParams,
    body: ScheduleBody,
    responses: { 200: { description: 'The schedule', schema: ScheduleSchema } },
    problems: [404, 422],
    handler: async (req) => {
      const info = await requireConnection(req);
      requireStreamName(req.services, info, req.params.stream);
      try {
        const schedule = await req.services.platform.schedules.set({ tenant: req.tenant, id: info.id }, req.params.stream, req.body as ScheduleInput);
        return { body: presentSchedule(schedule) };
      } catch (err) {
        if (isConnectorError(err) && err.kind === 'validation') {
          throw new HttpProblem(422, 'invalid_schedule', err.message, (err.details ?? []).map((d) => ({ path: `body.${d.path}`, message: d.message })));
        }
        throw err;
      }
    },
  }),
  defineRoute({
    id: 'getSchedule',
    method: 'GET',
    path,
    summary: "A stream's schedule",
    tags: ['schedules'],
    params: StreamParams,
    responses: { 200: { description: 'The schedule', schema: ScheduleSchema } },
    problems: [404],
    handler: async (req) => {
      const info = await requireConnection(req);
      requireStreamName(req.services, info, req.params.stream);
      const schedule = await req.services.platform.schedules.get({ tenant: req.tenant, id: info.id }, req.params.stream);
      if (!schedule) throw notFound('schedule', 'schedule_not_found');
      return { body: presentSchedule(schedule) };
    },
  }),
  defineRoute({
    id: 'deleteSchedule',
    method: 'DELETE',
    path,
    summary: "Remove a stream's schedule",
    tags: ['schedules'],
    params: StreamParams,
    responses: { 204: { description: 'Removed' } },
    problems: [404],
    handler: async (req) => {
      const info = await requireConnection(req);
      requireStreamName(req.services, info, req.params.stream);
      const removed = await req.services.platform.schedules.remove({ tenant: req.tenant, id: info.id }, req.params.stream);
      if (!removed) throw notFound('schedule', 'schedule_not_found');
      return { status: 204 };
    },
  }),
];

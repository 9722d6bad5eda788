/**
 * The inbound event log of the caller's tenant: what arrived, what was refused and why, what
 * processing did with it, and replay. Another tenant's event id is a 404 worded exactly like
 * a missing one.
 */
import { isConnectorError } from '../../core/errors.js';
import type { WebhookEvent } from '../../platform/webhooks/types.js';
import { LIMITS } from '../../platform/store/paging.js';
import { HttpProblem, notFound } from '../problem.js';
import { presentPage, presentRejection, presentWebhookEvent } from '../present.js';
import { defineRoute, type RouteDef } from '../route.js';
import { component, Id, pageOf, pageQuery } from '../schemas.js';
import { requestPath } from './common.js';

const STATUSES = ['pending', 'processing', 'processed', 'failed', 'rejected'];
const str = { type: 'string' } as const;
const time = { type: 'string', format: 'date-time' } as const;

export const WebhookEventSchema = component('WebhookEvent', {
  type: 'object',
  description: 'One inbound provider event, or one refused delivery (`status: rejected`, with its `reason`).',
  required: ['id', 'connector', 'provider_event_id', 'status', 'attempts', 'received_at'],
  additionalProperties: false,
  properties: {
    id: str,
    connector: str,
    connection_id: str,
    provider_event_id: { type: 'string', description: "The provider's event id (the deduplication key)." },
    type: str,
    status: { type: 'string', enum: STATUSES },
    reason: { type: 'string', description: 'Why a delivery was refused: missing_signature, bad_signature, stale_timestamp, …' },
    error: { type: 'string', description: 'The last processing error.' },
    attempts: { type: 'integer' },
    received_at: time,
    processed_at: time,
    next_attempt_at: time,
    payload: { description: 'The event as received (a refused delivery: `{ body_bytes, header_names }`, never its body). Only on GET by id.' },
    body: { description: 'The whole delivery body, when this event was split out of a batch. Only on GET by id.' },
    headers: { type: 'object', additionalProperties: str, description: 'Request headers kept with the event (credential-bearing ones dropped). Only on GET by id.' },
  },
});


const timeFilter = { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'string', pattern: '^[0-9]{1,15}$' }] } as const;

const ListQuery = pageQuery(LIMITS.events, {
  connection: { ...Id, description: 'Only this connection\'s events.' },
  type: { type: 'string', minLength: 1, maxLength: 300, description: 'Event type; `*` matches any run of characters (`issues.*`).' },
  status: { type: 'string', enum: STATUSES },
  since: { ...timeFilter, description: 'A filter, not a cursor: received at or after (ISO time or epoch ms).' },
  until: { ...timeFilter, description: 'Received before (ISO time or epoch ms).' },
});

const EventParams = { type: 'object', required: ['id'], properties: { id: { ...Id, description: 'Webhook event id.' } } } as const;

const eventNotFound = () => notFound('webhook event', 'webhook_event_not_found');

/** Engine refusals the caller can act on, as problems worded for this API. */
function translate(err: unknown): never {
  if (isConnectorError(err)) {
    if (err.kind === 'not_found') throw eventNotFound();
    if (err.kind === 'conflict') throw new HttpProblem(409, 'webhook_event_conflict', err.message);
    if (err.kind === 'validation') {
      throw new HttpProblem(400, err.code ?? 'invalid_query', err.message, err.details?.map((d) => ({ path: requestPath('query', d.path), message: d.message })));
    }
  }
  throw err;
}

const RejectionSchema = component('WebhookRejection', {
  type: 'object',
  description: 'Refused deliveries of one hour, counted for the operator: no tenant, no body.',
  required: ['connector', 'reason', 'hour', 'count', 'last_at'],
  additionalProperties: false,
  properties: {
    connector: str,
    connection_id: { type: 'string', description: 'The per-connection URL it was sent to; absent for the connector-level URL.' },
    reason: str,
    hour: time,
    count: { type: 'integer' },
    last_at: time,
  },
});

export const routes: RouteDef[] = [
  defineRoute({
    id: 'listWebhookRejections',
    method: 'GET',
    path: '/v1/webhook-rejections',
    summary: 'Refused webhook deliveries, counted per connector, connection, reason and hour (admin)',
    description: 'The operator-only record of deliveries that failed verification or parsing. A refusal on the connector-level URL is only counted here, never attributed to a tenant.',
    tags: ['webhooks'],
    access: 'admin',
    query: {
      type: 'object',
      additionalProperties: false,
      properties: {
        connector: { type: 'string', minLength: 1, maxLength: 200 },
        since: { ...timeFilter, description: 'Hours at or after (ISO time or epoch ms).' },
        limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 },
      },
    },
    responses: { 200: { description: 'Counts, newest hour first', schema: { type: 'object', required: ['rejections'], properties: { rejections: { type: 'array', items: RejectionSchema } } } } },
    problems: [400],
    handler: async (req) => {
      const q = req.query as { connector?: string; since?: string; limit?: number };
      const since = q.since === undefined ? undefined : /^\d+$/.test(q.since) ? Number(q.since) : Date.parse(q.since);
      const rows = await req.services.platform.webhooks.rejections({ connector: q.connector, since, limit: q.limit });
      return {
        body: {
          rejections: rows.map(presentRejection),
        },
      };
    },
  }),
  defineRoute({
    id: 'listWebhookEvents',
    method: 'GET',
    path: '/v1/webhook-events',
    summary: 'Inbound webhook events, newest first',
    tags: ['webhooks'],
    query: ListQuery,
    responses: { 200: { description: 'A page of events', schema: pageOf('events', WebhookEventSchema) } },
    problems: [400],
    handler: async (req) => {
      const q = req.query as { connection?: string; type?: string; status?: WebhookEvent['status']; since?: string; until?: string; limit?: number; cursor?: string };
      try {
        const page = await req.services.platform.webhooks.list({ tenant: req.tenant, ...q, param: 'query.cursor' });
        return { body: presentPage('events', page, presentWebhookEvent) };
      } catch (err) {
        translate(err);
      }
    },
  }),
  defineRoute({
    id: 'getWebhookEvent',
    method: 'GET',
    path: '/v1/webhook-events/:id',
    summary: 'One inbound webhook event with its payload',
    tags: ['webhooks'],
    params: EventParams,
    responses: { 200: { description: 'The event', schema: WebhookEventSchema } },
    problems: [404],
    handler: async (req) => {
      const event = await req.services.platform.webhooks.get(req.params.id, { tenant: req.tenant });
      if (!event) throw eventNotFound();
      return { body: presentWebhookEvent(event) };
    },
  }),
  defineRoute({
    id: 'replayWebhookEvent',
    method: 'POST',
    path: '/v1/webhook-events/:id/replay',
    summary: "Run an event's routes again",
    description: 'Processes the stored event again now, with a fresh retry budget, and answers with its new state. A refused (never verified) delivery cannot be replayed.',
    tags: ['webhooks'],
    params: EventParams,
    responses: { 200: { description: 'The event after processing', schema: WebhookEventSchema } },
    problems: [404, 409],
    handler: async (req) => {
      try {
        return { body: presentWebhookEvent(await req.services.platform.webhooks.replay(req.params.id, { tenant: req.tenant })) };
      } catch (err) {
        translate(err);
      }
    },
  }),
];

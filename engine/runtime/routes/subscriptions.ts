/**
 * Outbound subscriptions of the caller's tenant and their deliveries. The signing secret is
 * in the creation reply only; afterwards nothing returns it. Another tenant's ids are 404s
 * worded exactly like missing ones.
 */
import type { Delivery } from '../../platform/deliveries/types.js';
import { LIMITS } from '../../platform/store/paging.js';
import { presentDelivery, presentPage, presentSubscription } from '../present.js';
import { isConnectorError } from '../../core/errors.js';
import { HttpProblem, notFound } from '../problem.js';
import { defineRoute, type RouteDef } from '../route.js';
import { component, Id, pageOf, pageQuery } from '../schemas.js';
import { requestPath } from './common.js';

const str = { type: 'string' } as const;
const time = { type: 'string', format: 'date-time' } as const;
const STATUSES = ['pending', 'delivered', 'dead'];

const subscriptionProperties = {
  id: str,
  url: { type: 'string', format: 'uri' },
  events: { type: 'array', items: str },
  description: str,
  connection_id: str,
  status: { type: 'string', enum: ['active'] },
  created_at: time,
  updated_at: time,
} as const;

export const SubscriptionSchema = component('Subscription', {
  type: 'object',
  description: 'Where a tenant\'s normalized events are delivered, signed per Standard Webhooks.',
  required: ['id', 'url', 'events', 'status', 'created_at', 'updated_at'],
  additionalProperties: false,
  properties: subscriptionProperties,
});

const CreatedSubscriptionSchema = {
  type: 'object',
  required: [...SubscriptionSchema.required, 'secret'],
  additionalProperties: false,
  properties: {
    ...subscriptionProperties,
    secret: { type: 'string', pattern: '^whsec_', description: 'The Standard Webhooks signing secret. Shown once: store it now.' },
  },
} as const;

const AttemptSchema = {
  type: 'object',
  required: ['attempt', 'started_at', 'duration_ms'],
  additionalProperties: false,
  properties: {
    attempt: { type: 'integer' },
    started_at: time,
    duration_ms: { type: 'integer' },
    status_code: { type: 'integer', description: 'Absent when no response came (refused, timed out, address not allowed).' },
    response: { type: 'string', description: 'The first bytes of the response body.' },
    error: str,
  },
} as const;

export const DeliverySchema = component('Delivery', {
  type: 'object',
  description: 'One event on its way to one subscription, with every attempt.',
  required: ['id', 'subscription_id', 'event_id', 'event_type', 'status', 'attempts', 'created_at'],
  additionalProperties: false,
  properties: {
    id: str,
    subscription_id: str,
    event_id: { type: 'string', description: 'Sent as `webhook-id`: the same on every attempt, so receivers can deduplicate.' },
    event_type: str,
    status: { type: 'string', enum: STATUSES, description: '`pending` waits for its next attempt; `dead` ran out of retries.' },
    attempts: { type: 'integer' },
    next_attempt_at: time,
    last_status: { type: 'integer' },
    last_error: str,
    created_at: time,
    delivered_at: time,
    attempt_log: { type: 'array', items: AttemptSchema },
    payload: { description: 'The JSON body sent. Only on GET by id.' },
  },
});

const CreateBody = {
  type: 'object',
  required: ['url', 'events'],
  additionalProperties: false,
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 2000, pattern: '^https?://', description: 'Where to POST events: https (plain http only to hosts the operator lists in PATCHBAY_ALLOW_HTTP_HOSTS, else 422 `insecure_url`). Private and loopback addresses are refused unless the operator allows them.' },
    events: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: { type: 'string', minLength: 1, maxLength: 200 },
      description: 'Event type patterns; `*` matches any run of characters (`ticket.*`, `*`).',
    },
    description: { type: 'string', maxLength: 500 },
    connection_id: { ...Id, description: 'Only events of this connection.' },
  },
} as const;

const SubParams = { type: 'object', required: ['id'], properties: { id: { ...Id, description: 'Subscription id.' } } } as const;
const DeliveryParams = { type: 'object', required: ['id'], properties: { id: { ...Id, description: 'Delivery id.' } } } as const;

/** The service's refusals as this API words them; `input` is where the refused value came from. */
function translate(err: unknown, what: 'subscription' | 'delivery', input: 'body' | 'query' = 'body'): never {
  if (isConnectorError(err)) {
    if (err.kind === 'not_found') throw notFound(what, `${what}_not_found`);
    if (err.kind === 'conflict') throw new HttpProblem(409, `${what}_busy`, err.message);
    if (err.kind === 'validation') {
      // Same statuses as the registrar's own schema checks: 422 for a body, 400 for a query.
      throw new HttpProblem(input === 'body' ? 422 : 400, err.code ?? `invalid_${input}`, err.message, err.details?.map((d) => ({ path: requestPath(input, d.path), message: d.message })));
    }
  }
  throw err;
}

export const routes: RouteDef[] = [
  defineRoute({
    id: 'createSubscription',
    method: 'POST',
    path: '/v1/subscriptions',
    summary: 'Subscribe a URL to normalized events',
    description: 'Every normalized event of this tenant whose type matches one of `events` is POSTed to `url`, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), retried with exponential backoff from seconds up to a day between attempts, then dead-lettered.',
    tags: ['subscriptions'],
    body: CreateBody,
    responses: { 201: { description: 'The subscription, with its signing secret (shown this once)', schema: CreatedSubscriptionSchema } },
    problems: [422],
    handler: async (req) => {
      const b = req.body as { url: string; events: string[]; description?: string; connection_id?: string };
      try {
        const created = await req.services.platform.deliveries.createSubscription(req.tenant, { url: b.url, events: b.events, description: b.description, connection: b.connection_id });
        return { status: 201, body: { ...presentSubscription(created), secret: created.secret } };
      } catch (err) {
        translate(err, 'subscription');
      }
    },
  }),
  defineRoute({
    id: 'listSubscriptions',
    method: 'GET',
    path: '/v1/subscriptions',
    summary: "The tenant's subscriptions",
    tags: ['subscriptions'],
    description: 'Oldest first.',
    query: pageQuery(LIMITS.subscriptions),
    responses: { 200: { description: 'A page of subscriptions', schema: pageOf('subscriptions', SubscriptionSchema) } },
    problems: [400],
    handler: async (req) => {
      const q = req.query as { limit?: number; cursor?: string };
      try {
        const page = await req.services.platform.deliveries.listSubscriptions(req.tenant, { ...q, param: 'query.cursor' });
        return { body: presentPage('subscriptions', page, presentSubscription) };
      } catch (err) {
        translate(err, 'subscription', 'query');
      }
    },
  }),
  defineRoute({
    id: 'getSubscription',
    method: 'GET',
    path: '/v1/subscriptions/:id',
    summary: 'One subscription',
    tags: ['subscriptions'],
    params: SubParams,
    responses: { 200: { description: 'The subscription', schema: SubscriptionSchema } },
    problems: [404],
    handler: async (req) => {
      try {
        return { body: presentSubscription(await req.services.platform.deliveries.getSubscription(req.tenant, req.params.id)) };
      } catch (err) {
        translate(err, 'subscription');
      }
    },
  }),
  defineRoute({
    id: 'deleteSubscription',
    method: 'DELETE',
    path: '/v1/subscriptions/:id',
    summary: 'Remove a subscription and its deliveries',
    tags: ['subscriptions'],
    params: SubParams,
    responses: { 204: { description: 'Removed; pending deliveries are not sent' } },
    problems: [404],
    handler: async (req) => {
      try {
        await req.services.platform.deliveries.deleteSubscription(req.tenant, req.params.id);
        return { status: 204 };
      } catch (err) {
        translate(err, 'subscription');
      }
    },
  }),
  defineRoute({
    id: 'listDeliveries',
    method: 'GET',
    path: '/v1/subscriptions/:id/deliveries',
    summary: "A subscription's deliveries with their attempts, newest first",
    tags: ['subscriptions'],
    params: SubParams,
    query: pageQuery(LIMITS.deliveries, { status: { type: 'string', enum: STATUSES } }),
    responses: { 200: { description: 'A page of deliveries', schema: pageOf('deliveries', DeliverySchema) } },
    problems: [400, 404],
    handler: async (req) => {
      const q = req.query as { status?: Delivery['status']; limit?: number; cursor?: string };
      try {
        const page = await req.services.platform.deliveries.listDeliveries(req.tenant, req.params.id, { ...q, param: 'query.cursor' });
        return { body: presentPage('deliveries', page, presentDelivery) };
      } catch (err) {
        translate(err, 'subscription', 'query');
      }
    },
  }),
  defineRoute({
    id: 'getDelivery',
    method: 'GET',
    path: '/v1/deliveries/:id',
    summary: 'One delivery with its attempts and body',
    tags: ['subscriptions'],
    params: DeliveryParams,
    responses: { 200: { description: 'The delivery', schema: DeliverySchema } },
    problems: [404],
    handler: async (req) => {
      try {
        return { body: presentDelivery(await req.services.platform.deliveries.getDelivery(req.tenant, req.params.id)) };
      } catch (err) {
        translate(err, 'delivery');
      }
    },
  }),
  defineRoute({
    id: 'redeliver',
    method: 'POST',
    path: '/v1/deliveries/:id/redeliver',
    summary: 'Send a delivery again',
    description: 'Queues the delivery for an attempt now, with a fresh retry schedule, whatever its state (delivered and dead ones too). The body and `webhook-id` are unchanged.',
    tags: ['subscriptions'],
    params: DeliveryParams,
    responses: { 202: { description: 'Queued', schema: DeliverySchema } },
    problems: [404, 409],
    handler: async (req) => {
      try {
        return { status: 202, body: presentDelivery(await req.services.platform.deliveries.redeliver(req.tenant, req.params.id)) };
      } catch (err) {
        translate(err, 'delivery');
      }
    },
  }),
];

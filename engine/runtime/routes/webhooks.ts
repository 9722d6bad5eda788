/**
 * Webhook intake. Providers call these without an API key: the manifest's verification is
 * the authentication. The registrar hands over the body as raw bytes (never parsed before
 * verification, never larger than the body limit), and the answer is exactly what the
 * webhooks pipeline decides: 2xx only once the event is committed, 4xx for anything the
 * sender got wrong, as problem+json like every other route (a handshake's reply is the
 * connector's own). Nothing a sender can put in a request turns into a 500.
 *
 * GET is mounted on the same URLs for handshakes (a challenge sent as a GET query): the pipeline
 * answers a GET only with a handshake the manifest declares, else 405; it never stores one.
 *
 * Before the body is read, the intake budget (per source address, per connection) is
 * taken: past it the answer is 429 with Retry-After and nothing reaches the database.
 */
import type { Context } from 'koa';
import { isConnectorError } from '../../core/errors.js';
import { problemReply } from '../../platform/webhooks/reply.js';
import type { WebhookResponse } from '../../platform/webhooks/types.js';
import { defineRoute, type RouteDef, type RouteRequest } from '../route.js';
import { Id, Name } from '../schemas.js';

const AnswerSchema = { description: 'What the connector answers: an acknowledgement, or a handshake reply (e.g. a challenge echoed back).' } as const;

const EMPTY = Buffer.alloc(0);

/**
 * The server's own address as this socket reached it: the origin of the URL a provider
 * signed when no public URL is configured. Never the Host or X-Forwarded-* headers, which
 * the sender writes.
 */
function ownOrigin(ctx: Context): string {
  const s = ctx.req.socket;
  const host = s.localAddress ?? '127.0.0.1';
  const scheme = (s as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${s.localPort}`;
}

async function receive(req: RouteRequest<{ connector: string; connection?: string }>, ctx: Context): Promise<undefined> {
  let answer: WebhookResponse;
  try {
    answer = await req.services.platform.webhooks.receive({
      connectorId: req.params.connector,
      ...(req.params.connection !== undefined ? { connectionId: req.params.connection } : {}),
      method: ctx.method,
      url: `${ownOrigin(ctx)}${ctx.originalUrl}`,
      headers: ctx.req.headers,
      rawBody: req.rawBody ?? EMPTY,
      query: ctx.query,
    });
  } catch (err) {
    // The pipeline answers hostile input itself; reaching here means it failed on our side.
    // 503 tells the provider to send again later, and nothing was acknowledged.
    req.logger.error({ connector: req.params.connector, connection: req.params.connection, requestId: req.requestId, err: { message: (err as Error).message } }, 'webhook intake threw');
    answer = isConnectorError(err) && err.kind === 'not_found'
      ? problemReply(404, 'not_found', err.message)
      : problemReply(503, 'unavailable', 'the event could not be stored; try again later');
  }
  if (answer.status >= 500) ctx.set('retry-after', '5');
  for (const [k, v] of Object.entries(answer.headers)) ctx.set(k, v);
  // Body before status: koa turns a null body into 204 whatever status was set, and an empty
  // 200 with an empty body: what providers that test the URL with a signed probe require.
  ctx.body = answer.body === '' ? null : answer.body;
  ctx.status = answer.status;
  return undefined;
}

/** Public, and under the intake budget per source address and connection, whatever the method. */
const intake = {
  tags: ['webhooks'],
  access: 'public' as const,
  admit: (ctx: Context, params: Record<string, string>, services: RouteRequest['services']) => services.intakeLimiter?.admit({
    socketAddress: ctx.req.socket.remoteAddress,
    forwardedFor: ctx.req.headers['x-forwarded-for'],
    connector: params.connector,
    ...(params.connection !== undefined ? { connection: params.connection } : {}),
  }),
};

const common = {
  ...intake,
  method: 'POST' as const,
  body: {
    raw: true as const,
    description: 'The provider\'s delivery, byte for byte as it was signed (JSON or form-encoded, as the connector expects).',
  },
  responses: {
    200: { ...AnswerSchema, contentType: '*/*' },
    202: { description: 'Accepted: verified and stored; processing continues in the background.' },
  },
  problems: [400, 401, 404, 405, 413, 415, 429, 503],
};

const CONNECTION_PARAMS = {
  type: 'object',
  required: ['connector', 'connection'],
  properties: { connector: { ...Name, description: 'Connector id.' }, connection: { ...Id, description: 'Connection id.' } },
} as const;
const CONNECTOR_PARAMS = { type: 'object', required: ['connector'], properties: { connector: { ...Name, description: 'Connector id.' } } } as const;

/** A GET has no body to read. */
const handshakeGet = {
  ...intake,
  method: 'GET' as const,
  responses: { 200: { ...AnswerSchema, contentType: '*/*' } },
  problems: [401, 403, 404, 405, 429, 503],
};

export const routes: RouteDef[] = [
  defineRoute({
    ...common,
    id: 'receiveWebhook',
    path: '/v1/webhooks/:connector/:connection',
    summary: "Receive a provider's webhook for one connection",
    description: 'The URL a provider is given for one connected account. The request must pass the verification the connector\'s manifest describes (signature, timestamp tolerance); a duplicate event id is acknowledged and not processed again.',
    params: CONNECTION_PARAMS,
    handler: (req, ctx) => receive(req, ctx),
  }),
  defineRoute({
    ...common,
    id: 'receiveConnectorWebhook',
    path: '/v1/webhooks/:connector',
    summary: "Receive a provider's webhook for any connection of a connector",
    description: 'One URL for an app that sends every account\'s events to the same place; the manifest\'s `connection.match` expression finds the connection from the payload among stored connection settings.',
    params: CONNECTOR_PARAMS,
    handler: (req, ctx) => receive(req, ctx),
  }),
  defineRoute({
    ...handshakeGet,
    id: 'answerWebhookHandshake',
    path: '/v1/webhooks/:connector/:connection',
    summary: "Answer a provider's GET handshake for one connection",
    description: 'A verification request sent as GET (e.g. `?hub.mode=subscribe&hub.challenge=…`), answered as the connector\'s manifest declares; 405 when no handshake of the connector answers GET. Nothing is stored.',
    params: CONNECTION_PARAMS,
    handler: (req, ctx) => receive(req, ctx),
  }),
  defineRoute({
    ...handshakeGet,
    id: 'answerConnectorWebhookHandshake',
    path: '/v1/webhooks/:connector',
    summary: "Answer a provider's GET handshake on the connector-level URL",
    description: 'As for one connection, on the URL every account shares.',
    params: CONNECTOR_PARAMS,
    handler: (req, ctx) => receive(req, ctx),
  }),
];

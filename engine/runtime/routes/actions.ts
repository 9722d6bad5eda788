/** Calling a connector action on a stored connection: the body is the action's input. */
import { hash } from 'node:crypto';
import { isConnectorError } from '../../core/errors.js';
import { planAction } from '../../plan/plan.js';
import { canonicalJson } from '../../platform/store/json.js';
import { HttpProblem, StoredProblem, toProblem, type Problem } from '../problem.js';
import { defineRoute, type Reply, type RouteDef, type RouteRequest } from '../route.js';
import { Id, JsonObject, Name } from '../schemas.js';
import { markingRefusals, planOf, requireUsable, resolveConnectionForCall } from './common.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';
const KEY_RE = /^[\x21-\x7e]{1,255}$/;

type CallRequest = RouteRequest<{ id: string; action: string }, Record<string, unknown>, Record<string, unknown> | undefined>;

/**
 * Which failures are kept for replay, as the most widely used payment APIs keep them: the provider's own refusal of the
 * request (4xx). Not kept, so a retry tries again: our own input validation (nothing ran),
 * 5xx and network failures, and refusals that say "later" or "fix the credentials first"
 * (409 conflict, 424 refused credentials, 429 rate limit).
 */
function keepsFailure(status: number, err: unknown): boolean {
  const fromProvider = isConnectorError(err) && err.origin === 'provider';
  return fromProvider && status >= 400 && status < 500 && ![409, 424, 429].includes(status);
}

type Resolved = Awaited<ReturnType<typeof resolveConnectionForCall>>;

async function callOnce(req: CallRequest, resolved: Resolved, idempotencyKey?: string): Promise<Reply> {
  const { services } = req;
  const output = await markingRefusals(services, resolved, () => services.engine.call(resolved.connection, req.params.action, req.body ?? {}, { signal: req.signal, idempotencyKey }));
  return { body: { output: output ?? null } };
}

/**
 * The same key and request within 24 h answer the stored reply without calling the provider;
 * the same key with another request is a 422, and one still running a 409.
 */
async function callIdempotently(req: CallRequest, resolved: Resolved, key: string, secrets: () => readonly string[]): Promise<Reply> {
  const connectionId = resolved.info.id;
  const { idempotency } = req.services;
  if (!KEY_RE.test(key)) {
    throw new HttpProblem(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 printable ASCII characters', [{ path: 'header.idempotency-key', message: 'must be 1 to 255 printable ASCII characters' }]);
  }
  const requestHash = hash('sha256', canonicalJson({ method: 'POST', action: req.params.action, body: req.body ?? {} }), 'hex');
  const claim = await idempotency.claim(req.tenant, connectionId, key, requestHash);
  const keyHeaders = { [IDEMPOTENCY_HEADER]: key };
  if (claim.kind === 'reused') {
    throw new HttpProblem(422, 'idempotency_key_reused', 'this Idempotency-Key was used with another request (action or body) in the last 24 hours; use a new key for a new request', [{ path: 'header.idempotency-key', message: 'was used with another request' }]);
  }
  if (claim.kind === 'in_flight') {
    throw new HttpProblem(409, 'idempotency_key_in_use', 'a request with this Idempotency-Key is still running; retry when it has finished', undefined, { 'retry-after': '1' });
  }
  if (claim.kind === 'replay') {
    const headers = { ...keyHeaders, [REPLAYED_HEADER]: 'true' };
    if (claim.reply.status >= 400) throw new StoredProblem(claim.reply.status, claim.reply.body as Problem, headers);
    return { status: claim.reply.status, body: claim.reply.body, headers };
  }
  let reply: Reply;
  try {
    reply = await callOnce(req, resolved, key);
  } catch (err) {
    const problem = toProblem(err, secrets());
    if (keepsFailure(problem.status, err)) {
      await idempotency.complete(req.tenant, connectionId, key, { status: problem.status, body: problem.body });
    } else {
      await idempotency.release(req.tenant, connectionId, key);
    }
    throw err;
  }
  await idempotency.complete(req.tenant, connectionId, key, { status: reply.status ?? 200, body: reply.body });
  return { ...reply, headers: { ...reply.headers, ...keyHeaders } };
}

export const routes: RouteDef[] = [
  defineRoute({
    id: 'callAction',
    method: 'POST',
    path: '/v1/connections/:id/actions/:action',
    summary: 'Call an action; the body is its input',
    description:
      "The input is validated against the action's `input_schema` (GET /v1/connectors/{connector}); " +
      'failures list each wrong field. Provider errors keep their kind: a refused credential is 424 `provider_auth`, ' +
      "the provider's rate limit 429 `provider_rate_limited` with Retry-After, a missing provider object 404 `provider_not_found`. " +
      'With an `Idempotency-Key` header, a retry with the same key and body within 24 hours answers the stored reply ' +
      '(with `Idempotent-Replayed: true`) without calling the provider; the key is passed on as the provider\'s idempotency key ' +
      'when the action declares one.',
    tags: ['actions'],
    params: {
      type: 'object',
      required: ['id', 'action'],
      properties: { id: { ...Id, description: 'Connection id.' }, action: { ...Name, description: 'Action name from the connector manifest.' } },
    },
    body: { ...JsonObject, description: "The action's input." },
    bodyOptional: true,
    responses: {
      200: {
        description: "The action's output",
        schema: { type: 'object', required: ['output'], properties: { output: { description: 'What the action maps from the response.' } } },
        headers: {
          'idempotent-replayed': { description: '`true` when this is the stored reply of an earlier request with the same Idempotency-Key.' },
        },
      },
    },
    problems: [400, 404, 409, 422, 424, 429, 502, 504],
    handler: async (req, ctx) => {
      const { services } = req;
      const resolved = await resolveConnectionForCall(req);
      const { info } = resolved;
      requireUsable(services, info);
      if (!planAction(planOf(services, info.connector), req.params.action)) {
        throw new HttpProblem(404, 'action_not_found', `connector ${info.connector} has no action "${req.params.action}"`);
      }
      const key = ctx.get(IDEMPOTENCY_HEADER);
      if (key === '') return callOnce(req as CallRequest, resolved);
      const scope = ctx.state.patchbay as { secrets: string[] } | undefined;
      return callIdempotently(req as CallRequest, resolved, key, () => scope?.secrets ?? []);
    },
  }),
];

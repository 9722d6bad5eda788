/** Calling a connector action on a stored connection: the body is the action's input. */
import { AUTH_ERROR_KINDS } from '../../connections/service.js';
import { isConnectorError } from '../../errors.js';
import { HttpProblem } from '../problem.js';
import { defineRoute, type RouteDef } from '../route.js';
import { Id, JsonObject, Name } from '../schemas.js';
import { planOf, requireUsable, resolveConnectionForCall } from './common.js';
import { planAction } from '../../manifest/plan.js';

export const routes: RouteDef[] = [
  defineRoute({
    id: 'callAction',
    method: 'POST',
    path: '/v1/connections/:id/actions/:action',
    summary: 'Call an action; the body is its input',
    description:
      "The input is validated against the action's `input_schema` (GET /v1/connectors/{connector}); " +
      'failures list each wrong field. Provider errors keep their kind: a refused credential is 424 `provider_auth`, ' +
      "the provider's rate limit 429 `provider_rate_limited` with Retry-After, a missing provider object 404 `provider_not_found`.",
    tags: ['actions'],
    params: {
      type: 'object',
      required: ['id', 'action'],
      properties: { id: { ...Id, description: 'Connection id.' }, action: { ...Name, description: 'Action name from the connector manifest.' } },
    },
    body: { ...JsonObject, description: "The action's input." },
    bodyOptional: true,
    responses: {
      200: { description: "The action's output", schema: { type: 'object', required: ['output'], properties: { output: { description: 'What the action maps from the response.' } } } },
    },
    problems: [404, 409, 422, 424, 429, 502, 504],
    handler: async (req) => {
      const { services } = req;
      const { scope, info, connection } = await resolveConnectionForCall(req);
      requireUsable(services, info);
      if (!planAction(planOf(services, info.connector), req.params.action)) {
        throw new HttpProblem(404, 'action_not_found', `connector ${info.connector} has no action "${req.params.action}"`);
      }
      try {
        const output = await services.engine.call(connection, req.params.action, req.body ?? {}, { signal: req.signal });
        return { body: { output: output ?? null } };
      } catch (err) {
        if (isConnectorError(err) && err.request !== undefined && AUTH_ERROR_KINDS.has(err.kind)) {
          await services.platform.connections.markError(scope, info.id, err, connection);
        }
        throw err;
      }
    },
  }),
];

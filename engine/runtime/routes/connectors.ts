/** The connector catalogue: what can be connected, and the forms and operations of each. */
import { ConnectorSchema, ConnectorSummarySchema, describeConnector, summarizeConnector } from '../describe.js';
import { isConnectorError } from '../../core/errors.js';
import type { ConnectorSecretsInfo } from '../../platform/webhooks/connector-secrets.js';
import { HttpProblem } from '../problem.js';
import { defineRoute, type RouteDef } from '../route.js';
import { component, Name } from '../schemas.js';
import { planOf } from './common.js';

const ConnectorSecretsSchema = component('ConnectorSecrets', {
  type: 'object',
  description: 'Which operator-set secrets of a connector have a value; never the values.',
  required: ['connector', 'set', 'declared'],
  additionalProperties: false,
  properties: {
    connector: { type: 'string' },
    set: { type: 'array', items: { type: 'string' }, description: 'Names with a stored value.' },
    declared: { type: 'array', items: { type: 'string' }, description: "Names the manifest's `secrets:` schema declares." },
    updated_at: { type: 'string', format: 'date-time' },
  },
});

const presentSecrets = (i: ConnectorSecretsInfo) => ({ connector: i.connector, set: i.set, declared: i.declared, ...(i.updatedAt ? { updated_at: i.updatedAt } : {}) });
const ConnectorParams = { type: 'object', required: ['connector'], properties: { connector: Name } } as const;

export const routes: RouteDef[] = [
  defineRoute({
    id: 'listConnectors',
    method: 'GET',
    path: '/v1/connectors',
    summary: 'List the connectors this server runs',
    tags: ['connectors'],
    access: 'key',
    query: { type: 'object', properties: { category: { type: 'string', maxLength: 100 } }, additionalProperties: false },
    responses: {
      200: { description: 'Connector summaries', schema: { type: 'object', required: ['connectors'], properties: { connectors: { type: 'array', items: ConnectorSummarySchema } } } },
    },
    handler: (req) => {
      const category = req.query.category as string | undefined;
      const plans = [...req.services.engine.plans.values()]
        .filter((p) => category === undefined || p.categories.includes(category))
        .sort((a, b) => a.id.localeCompare(b.id));
      return { body: { connectors: plans.map(summarizeConnector) } };
    },
  }),
  defineRoute({
    id: 'getConnector',
    method: 'GET',
    path: '/v1/connectors/:connector',
    summary: 'Describe a connector: config and credential forms, auth methods, actions, streams, webhooks',
    tags: ['connectors'],
    access: 'key',
    params: { type: 'object', required: ['connector'], properties: { connector: Name } },
    responses: { 200: { description: 'The connector', schema: ConnectorSchema } },
    problems: [404],
    handler: (req) => ({ body: describeConnector(planOf(req.services, req.params.connector)) }),
  }),
  defineRoute({
    id: 'setConnectorSecrets',
    method: 'PUT',
    path: '/v1/connectors/:connector/secrets',
    summary: "Set the operator's secrets of a connector (admin)",
    description: "Values for the names the manifest's `secrets:` declares (e.g. a Connect endpoint's signing secret), sealed at rest; `null` removes one, names not given keep their values. The answer never contains a value.",
    tags: ['connectors'],
    access: 'admin',
    params: ConnectorParams,
    body: { type: 'object', additionalProperties: { anyOf: [{ type: 'string', minLength: 1, maxLength: 10_000 }, { type: 'null' }] } },
    responses: { 200: { description: 'What is set now', schema: ConnectorSecretsSchema } },
    problems: [404, 422],
    handler: async (req) => {
      const plan = planOf(req.services, req.params.connector);
      req.addSecret(req.body);
      try {
        return { body: presentSecrets(await req.services.platform.webhooks.connectorSecrets.set(plan, req.body as Record<string, unknown>)) };
      } catch (err) {
        if (isConnectorError(err) && err.kind === 'validation') {
          throw new HttpProblem(422, 'invalid_connector_secrets', err.message, (err.details as Array<{ path: string; message: string }> | undefined)?.map((d) => ({ path: `body.${d.path}`, message: d.message })));
        }
        throw err;
      }
    },
  }),
  defineRoute({
    id: 'getConnectorSecrets',
    method: 'GET',
    path: '/v1/connectors/:connector/secrets',
    summary: "Which of a connector's operator secrets are set (admin; never the values)",
    tags: ['connectors'],
    access: 'admin',
    params: ConnectorParams,
    responses: { 200: { description: 'What is set', schema: ConnectorSecretsSchema } },
    problems: [404],
    handler: async (req) => ({ body: presentSecrets(await req.services.platform.webhooks.connectorSecrets.describe(planOf(req.services, req.params.connector))) }),
  }),
];

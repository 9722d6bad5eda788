/** The connector catalogue: what can be connected, and the forms and operations of each. */
import { ConnectorSchema, ConnectorSummarySchema, describeConnector, summarizeConnector } from '../describe.js';
import { isConnectorError } from '../../core/errors.js';
import { arrayPage, LIMITS } from '../../platform/store/paging.js';
import { presentConnectorSecrets, presentPage } from '../present.js';
import { HttpProblem } from '../problem.js';
import { defineRoute, type RouteDef } from '../route.js';
import { component, Name, pageOf, pageQuery } from '../schemas.js';

/** Code-unit order, the order the cursor compares in. */
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
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

const ConnectorParams = { type: 'object', required: ['connector'], properties: { connector: Name } } as const;

export const routes: RouteDef[] = [
  defineRoute({
    id: 'listConnectors',
    method: 'GET',
    path: '/v1/connectors',
    summary: 'List the connectors this server runs',
    tags: ['connectors'],
    access: 'key',
    description: 'By id.',
    query: pageQuery(LIMITS.connectors, { category: { type: 'string', maxLength: 100 } }),
    responses: { 200: { description: 'A page of connector summaries', schema: pageOf('connectors', ConnectorSummarySchema) } },
    problems: [400],
    handler: (req) => {
      const category = req.query.category as string | undefined;
      const plans = [...req.services.engine.plans.values()]
        .filter((p) => category === undefined || p.categories.includes(category))
        .sort(byId);
      const page = arrayPage(plans, (p) => p.id, { limit: req.query.limit as number, cursor: req.query.cursor as string | undefined, param: 'query.cursor' }, LIMITS.connectors);
      return { body: presentPage('connectors', page, summarizeConnector) };
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
        return { body: presentConnectorSecrets(await req.services.platform.webhooks.connectorSecrets.set(plan, req.body as Record<string, unknown>)) };
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
    handler: async (req) => ({ body: presentConnectorSecrets(await req.services.platform.webhooks.connectorSecrets.describe(planOf(req.services, req.params.connector))) }),
  }),
];

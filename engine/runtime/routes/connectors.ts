/** The connector catalogue: what can be connected, and the forms and operations of each. */
import { ConnectorSchema, ConnectorSummarySchema, describeConnector, summarizeConnector } from '../describe.js';
import { defineRoute, type RouteDef } from '../route.js';
import { Name } from '../schemas.js';
import { planOf } from './common.js';

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
];

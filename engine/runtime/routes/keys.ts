/** API key management over HTTP, for the admin key (the CLI offers the same: `patchbay keys`). */
import { TENANT_PATTERN } from '../auth/keys.js';
import { LIMITS } from '../../platform/store/paging.js';
import { notFound } from '../problem.js';
import { presentCreatedKey, presentKey, presentPage } from '../present.js';
import { defineRoute, type RouteDef } from '../route.js';
import { ApiKeySchema, Id, pageOf, pageQuery } from '../schemas.js';

const tenant = { type: 'string', pattern: TENANT_PATTERN } as const;

export const routes: RouteDef[] = [
  defineRoute({
    id: 'createKey',
    method: 'POST',
    path: '/v1/keys',
    summary: 'Create an API key for a tenant (the key is shown once, in this reply)',
    tags: ['keys'],
    access: 'admin',
    body: {
      type: 'object',
      required: ['tenant'],
      additionalProperties: false,
      properties: { tenant, name: { type: 'string', minLength: 1, maxLength: 200 } },
    },
    responses: {
      201: {
        description: 'The new key',
        schema: {
          type: 'object',
          required: ['key', 'api_key'],
          properties: { key: { type: 'string', description: 'Store it now: only its hash is kept.' }, api_key: ApiKeySchema },
        },
      },
    },
    handler: async (req) => {
      const body = req.body as { tenant: string; name?: string };
      const created = await req.services.keys.create({ tenant: body.tenant, name: body.name });
      return { status: 201, body: presentCreatedKey(created) };
    },
  }),
  defineRoute({
    id: 'listKeys',
    method: 'GET',
    path: '/v1/keys',
    summary: 'API keys (never the keys themselves)',
    tags: ['keys'],
    access: 'admin',
    description: 'Oldest first.',
    query: pageQuery(LIMITS.keys, { tenant }),
    responses: { 200: { description: 'A page of keys', schema: pageOf('keys', ApiKeySchema) } },
    problems: [400],
    handler: async (req) => {
      const page = await req.services.keys.list({
        tenant: req.query.tenant as string | undefined, limit: req.query.limit as number, cursor: req.query.cursor as string | undefined, param: 'query.cursor',
      });
      return { body: presentPage('keys', page, presentKey) };
    },
  }),
  defineRoute({
    id: 'revokeKey',
    method: 'DELETE',
    path: '/v1/keys/:id',
    summary: 'Revoke an API key',
    tags: ['keys'],
    access: 'admin',
    params: { type: 'object', required: ['id'], properties: { id: Id } },
    responses: { 204: { description: 'Revoked' } },
    problems: [404],
    handler: async (req) => {
      if (!(await req.services.keys.revoke(req.params.id))) throw notFound('API key', 'key_not_found');
      return { status: 204 };
    },
  }),
];

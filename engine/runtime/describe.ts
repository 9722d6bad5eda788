/**
 * A connector as an API client needs it to build forms and calls: JSON Schemas for config
 * and each auth method's credentials, actions with their input schemas, streams and a
 * webhook summary. Read from the compiled plan; no template, URL secret or default value
 * of a credential is included.
 */
import type { Plan, PlanAuthMethod } from '../plan/plan.js';
import { component } from './schemas.js';

const str = { type: 'string' } as const;
const anySchema = { type: 'object', description: 'A JSON Schema (draft 2020-12).' } as const;

/** What a connector is known by; the summary and the full description must agree on it. */
const identityProperties = { id: str, name: str, description: str, categories: { type: 'array', items: str } } as const;

function identity(plan: Plan) {
  return { id: plan.id, name: plan.name, description: plan.description, categories: [...plan.categories] };
}

export const ConnectorSummarySchema = component('ConnectorSummary', {
  type: 'object',
  required: ['id', 'name', 'categories', 'auth_types', 'actions', 'streams', 'webhooks'],
  additionalProperties: false,
  properties: {
    ...identityProperties,
    auth_types: { type: 'array', items: str },
    actions: { type: 'array', items: str },
    streams: { type: 'array', items: str },
    webhooks: { type: 'boolean' },
  },
});

export const ConnectorSchema = component('Connector', {
  type: 'object',
  required: ['id', 'name', 'categories', 'config_schema', 'auth', 'actions', 'streams'],
  additionalProperties: false,
  properties: {
    ...identityProperties,
    docs_url: str,
    icon: str,
    config_schema: anySchema,
    settings_schema: anySchema,
    auth: {
      type: 'object',
      required: ['default', 'methods'],
      properties: {
        default: str,
        methods: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'type', 'credentials_schema'],
            additionalProperties: false,
            properties: {
              name: str,
              type: { enum: ['none', 'api_key', 'basic', 'bearer', 'oauth2'] },
              label: str,
              description: str,
              credentials_schema: anySchema,
              grant: str,
              scopes: { type: 'array', items: str },
              pkce: { type: 'boolean' },
            },
          },
        },
      },
    },
    actions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'input_schema'],
        additionalProperties: false,
        properties: { name: str, title: str, description: str, method: str, input_schema: anySchema },
      },
    },
    streams: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'primary_key', 'incremental'],
        additionalProperties: false,
        properties: {
          name: str,
          title: str,
          description: str,
          primary_key: { type: 'array', items: str },
          incremental: { type: 'boolean' },
          cursor_field: str,
          model: str,
          parent: str,
          marks_deleted: { type: 'boolean' },
        },
      },
    },
    webhooks: {
      type: 'object',
      required: ['verification', 'handshake', 'events'],
      additionalProperties: false,
      properties: {
        verification: str,
        handshake: { type: 'boolean' },
        events: { type: 'array', items: str, description: 'Event type patterns the connector routes (`*` matches any run of characters).' },
      },
    },
  },
});

const EMPTY_OBJECT_SCHEMA = { type: 'object', properties: {} };

function authMethod(m: PlanAuthMethod): Record<string, unknown> {
  const spec = m.spec as Record<string, unknown>;
  const out: Record<string, unknown> = {
    name: m.name,
    type: m.type,
    label: m.label,
    description: typeof spec.description === 'string' ? spec.description : undefined,
    credentials_schema: m.credentialsSchema ?? EMPTY_OBJECT_SCHEMA,
  };
  if (m.type === 'oauth2') {
    out.grant = typeof spec.grant === 'string' ? spec.grant : 'authorization_code';
    if (Array.isArray(spec.scopes)) out.scopes = spec.scopes.filter((s) => typeof s === 'string');
    out.pkce = spec.pkce !== false;
  }
  return out;
}

export function summarizeConnector(plan: Plan): Record<string, unknown> {
  return {
    ...identity(plan),
    auth_types: [...new Set(Object.values(plan.auth.methods).map((m) => m.type))],
    actions: Object.keys(plan.actions),
    streams: Object.keys(plan.streams),
    webhooks: plan.webhooks !== undefined,
  };
}

export function describeConnector(plan: Plan): Record<string, unknown> {
  return {
    ...identity(plan),
    docs_url: plan.docsUrl,
    icon: plan.icon,
    config_schema: plan.configSchema ?? EMPTY_OBJECT_SCHEMA,
    settings_schema: plan.settingsSchema,
    auth: { default: plan.auth.defaultMethod, methods: Object.values(plan.auth.methods).map(authMethod) },
    actions: Object.values(plan.actions).map((a) => ({
      name: a.name, title: a.title, description: a.description, method: a.request.method, input_schema: a.inputSchema ?? EMPTY_OBJECT_SCHEMA,
    })),
    streams: Object.values(plan.streams).map((s) => ({
      name: s.name,
      title: s.title,
      description: s.description,
      primary_key: [...s.primaryKey],
      incremental: s.cursor !== undefined,
      cursor_field: s.cursor?.field,
      model: s.model,
      parent: s.parent,
      marks_deleted: s.markDeleted,
    })),
    webhooks: plan.webhooks
      ? {
          verification: plan.webhooks.verify.type,
          handshake: plan.webhooks.handshake !== undefined,
          events: [...new Set(plan.webhooks.routes.flatMap((r) => r.on))],
        }
      : undefined,
  };
}

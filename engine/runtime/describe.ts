/**
 * The OpenAPI schemas of the connector catalogue. The documents themselves are built in
 * engine/platform/present/connector.ts, shared with `patchbay list` and `patchbay describe`.
 */
import { authTypes } from '../components/auth/registry.js';
import { component } from './schemas.js';

const str = { type: 'string' } as const;
const anySchema = { type: 'object', description: 'A JSON Schema (draft 2020-12).' } as const;

/** What a connector is known by; the summary and the full description must agree on it. */
const identityProperties = { id: str, name: str, description: str, categories: { type: 'array', items: str } } as const;

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
              type: { type: 'string', description: `An auth kind registered when the runtime started: ${authTypes().join(', ')}.` },
              label: str,
              description: str,
              credentials_schema: anySchema,
              grant: str,
              scopes: { type: 'array', items: str },
              pkce: { type: 'boolean' },
              in: { type: 'string', description: 'api_key: where the key is sent (header, query).' },
              param: { type: 'string', description: 'api_key: the name of the header or query parameter carrying the key.' },
              header: { type: 'string', description: 'bearer: the header carrying the token (default Authorization).' },
              scheme: str,
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
          pagination: { type: 'string', description: 'How the provider pages the stream (cursor, page, link_header, …).' },
        },
      },
    },
    dynamic_streams: {
      type: 'array',
      description: 'Families of streams discovered from the provider (POST /v1/connections/{id}/discover); each discovered stream is named `<family>.<key>`.',
      items: {
        type: 'object',
        required: ['family', 'primary_key', 'incremental'],
        additionalProperties: false,
        properties: {
          family: str,
          title: str,
          description: str,
          primary_key: { type: 'array', items: str, description: "The template's; a discovered stream's may come from its item." },
          incremental: { type: 'boolean' },
          cursor_field: str,
          pagination: str,
        },
      },
    },
    environments: {
      type: 'array',
      description: 'The environments a connection may pick (`environment` when connecting); the first marked `default` is used when none is given.',
      items: {
        type: 'object',
        required: ['name', 'default'],
        additionalProperties: false,
        properties: { name: str, title: str, default: { type: 'boolean' }, base_url: str },
      },
    },
    setup: {
      type: 'array',
      description: 'The set-up steps a new connection goes through (names and what they do, no requests).',
      items: {
        type: 'object',
        required: ['name', 'kind'],
        additionalProperties: false,
        properties: { name: str, kind: { enum: ['capture', 'request', 'choose'] } },
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
        algorithm: { type: 'string', description: 'hmac: the digest.' },
        signature_header: str,
        routes: {
          type: 'array',
          items: {
            type: 'object',
            required: ['on', 'actions'],
            additionalProperties: false,
            properties: { on: { type: 'array', items: str }, actions: { type: 'array', items: str, description: '`upsert <stream>`, `delete <stream>`, `sync <stream>`, `emit <event>`; empty: stored only.' } },
          },
        },
      },
    },
  },
});

export { describeConnector, summarizeConnector } from '../platform/present/connector.js';

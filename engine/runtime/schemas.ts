/**
 * JSON Schemas shared by several routes. `component` names a schema once; routes embed the
 * object itself (Ajv sees it inline) and the OpenAPI writer replaces every embedding with a
 * `$ref` to `#/components/schemas/<name>`.
 */
import type { JsonSchema } from './route.js';
import { ERROR_ORIGINS } from '../core/errors.js';

const names = new Map<object, string>();

export function component<T extends JsonSchema>(name: string, schema: T): T {
  names.set(schema, name);
  return schema;
}

export function componentName(schema: object): string | undefined {
  return names.get(schema);
}

const str = { type: 'string' } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const obj = { type: 'object', additionalProperties: true } as const;

export const Id = { type: 'string', minLength: 1, maxLength: 200 } as const;
/** Stream, action and connector names as manifests allow them. */
export const Name = { type: 'string', minLength: 1, maxLength: 200 } as const;

export const ProblemSchema = component('Problem', {
  type: 'object',
  description: 'RFC 9457 problem details. `code` is stable; branch on it, not on `detail`.',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: str,
    status: { type: 'integer' },
    detail: str,
    code: str,
    request_id: str,
    errors: {
      type: 'array',
      description: 'What was wrong, one entry per problem (validation failures).',
      items: { type: 'object', required: ['path', 'message'], properties: { path: str, message: str } },
    },
    provider_code: str,
    provider_status: { type: 'integer' },
    retryable: { type: 'boolean' },
    origin: { type: 'string', enum: [...ERROR_ORIGINS], description: 'Engine errors: who has to act — the provider, the connection, the manifest, the caller, or Patchbay itself (internal).' },
  },
});

export const ConnectionSchema = component('Connection', {
  type: 'object',
  description: 'A stored connection. Credentials are never returned: `credential_fields` names the ones that are set.',
  required: ['id', 'tenant', 'connector', 'name', 'config', 'settings', 'credential_fields', 'status', 'created_at', 'updated_at'],
  additionalProperties: false,
  properties: {
    id: str,
    tenant: str,
    connector: str,
    name: str,
    auth: str,
    config: obj,
    settings: obj,
    credential_fields: { type: 'array', items: str },
    status: { enum: ['active', 'error', 'disconnected', 'needs_choice'], description: '`needs_choice`: a set-up step found several accounts; see `pending_choice`.' },
    last_error: str,
    last_error_at: dateTime,
    created_at: dateTime,
    updated_at: dateTime,
    disconnected_at: dateTime,
    base_url: { type: 'string', description: 'Operator-enabled override of the manifest base URL (test servers, sandboxes).' },
    environment: { type: 'string', description: "The connector's environment this connection uses (for connectors that declare environments)." },
    pending_choice: {
      type: 'object',
      description: 'What a connection in `needs_choice` waits for: POST one option id to /v1/connections/{id}/choice.',
      required: ['step', 'options'],
      properties: {
        step: str,
        options: { type: 'array', items: { type: 'object', required: ['id'], properties: { id: str, label: str } } },
      },
    },
    base_url_status: {
      enum: ['applied', 'not_allowed'],
      description: '`not_allowed`: this server was started without base URL overrides, so every check, action and sync of this connection fails with `base_url_not_allowed` until the override is removed (`base_url: null`).',
    },
    subscriptions: {
      type: 'array',
      description: "Only on `GET /v1/connections/:id` and the disconnect's answer, when there are any: the subscriptions the connection holds at its provider (`webhooks.subscriptions`), and the unsubscribes and token revocation a disconnect left for the background job, with their attempts and last error.",
      items: {
        type: 'object',
        required: ['kind', 'name', 'status', 'attempts', 'updated_at'],
        additionalProperties: false,
        properties: {
          kind: { enum: ['subscription', 'revocation'] },
          name: { type: 'string', description: 'The manifest entry; for a revocation, the auth method.' },
          key: { type: 'string', description: 'The item (topic, resource) it was subscribed for.' },
          provider_id: { type: 'string', description: "The provider's id of the subscription." },
          status: { enum: ['active', 'unsubscribing', 'revoking', 'removed', 'failed'] },
          expires_at: dateTime,
          attempts: { type: 'integer', description: 'Failed attempts of the work now owed.' },
          next_attempt_at: dateTime,
          last_error: str,
          updated_at: dateTime,
        },
      },
    },
  },
});

export const RunSchema = component('SyncRun', {
  type: 'object',
  required: ['id', 'tenant', 'connection_id', 'stream', 'trigger', 'status', 'records', 'started_at'],
  additionalProperties: false,
  properties: {
    id: str,
    tenant: str,
    connection_id: str,
    stream: str,
    trigger: { enum: ['manual', 'schedule', 'webhook'] },
    status: { enum: ['running', 'success', 'partial', 'failed'] },
    records: {
      type: 'object',
      required: ['read', 'written', 'unchanged', 'failed', 'deleted', 'pages'],
      properties: Object.fromEntries(['read', 'written', 'unchanged', 'failed', 'deleted', 'pages'].map((k) => [k, { type: 'integer', minimum: 0 }])),
    },
    error: str,
    error_kind: str,
    started_at: dateTime,
    ended_at: dateTime,
  },
});

export const ScheduleSchema = component('Schedule', {
  type: 'object',
  required: ['connection_id', 'stream', 'enabled', 'next_run_at'],
  additionalProperties: false,
  properties: {
    id: str,
    connection_id: str,
    stream: str,
    every_ms: { type: 'integer', description: 'Fixed interval in milliseconds (when not a cron schedule).' },
    cron: str,
    timezone: str,
    jitter_ms: { type: 'integer' },
    enabled: { type: 'boolean' },
    next_run_at: dateTime,
    last_run_id: str,
    last_run_at: dateTime,
    last_error: { type: 'string', description: 'Why the scheduler switched this schedule off (a stored spec it could not run); cleared by PUT.' },
  },
});

export const RecordSchema = component('StoredRecord', {
  type: 'object',
  required: ['id', 'data', 'created_at', 'updated_at'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', description: "The record's primary key value at the provider." },
    data: { description: 'The record as the stream maps it.' },
    model: str,
    created_at: dateTime,
    updated_at: dateTime,
    deleted_at: dateTime,
  },
});

export const ChangeSchema = component('RecordChange', {
  type: 'object',
  required: ['id', 'data', 'action', 'seq', 'created_at', 'updated_at'],
  additionalProperties: false,
  properties: {
    ...RecordSchema.properties,
    action: { enum: ['added', 'updated', 'deleted'] },
    seq: { type: 'integer' },
  },
});

export const ApiKeySchema = component('ApiKey', {
  type: 'object',
  required: ['id', 'admin', 'name', 'prefix', 'created_at'],
  additionalProperties: false,
  properties: {
    id: str,
    tenant: str,
    admin: { type: 'boolean' },
    name: str,
    prefix: { type: 'string', description: 'The first characters of the key, to recognise it.' },
    created_at: dateTime,
    last_used_at: dateTime,
    revoked_at: dateTime,
  },
});

export const JsonObject = obj;

/**
 * The paging query every list accepts. The cursor is not length- or pattern-checked here:
 * the store's codec refuses a bad one with `invalid_cursor`, the same code for every way a
 * cursor can be wrong.
 */
export function pageQuery(range: { default: number; max: number }, properties: Record<string, JsonSchema> = {}): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: range.max, default: range.default, description: `Items per page: default ${range.default}, at most ${range.max}.` },
      cursor: { type: 'string', description: '`next_cursor` of the previous page (opaque); omit for the first page. A cursor this API did not hand out is a 400 `invalid_cursor`.' },
      ...properties,
    },
  };
}

/** The list envelope: the items under the resource's name, `next_cursor` and `has_more`. */
export function pageOf(name: string, items: JsonSchema, nextCursor = 'Where the next page starts; null on the last page.'): JsonSchema {
  return {
    type: 'object',
    required: [name, 'next_cursor', 'has_more'],
    additionalProperties: false,
    properties: {
      [name]: { type: 'array', items },
      next_cursor: { type: ['string', 'null'], description: nextCursor },
      has_more: { type: 'boolean', description: 'Whether another page follows now.' },
    },
  };
}

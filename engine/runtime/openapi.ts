/**
 * The OpenAPI 3.1 document, written from the route definitions the registrar enforces.
 * Shared schemas (schemas.ts `component`) become `#/components/schemas` references; the
 * problem responses every route can give are added from its access and inputs, so they are
 * documented without each route repeating them.
 */
import { TENANT_HEADER, TENANT_QUERY } from './auth/caller.js';
import { TENANT_PATTERN } from './auth/keys.js';
import { kindTable, PROBLEM_CONTENT_TYPE, statusTitle } from './problem.js';
import { isRawBody, type JsonSchema, type RouteDef } from './route.js';
import { componentName, ProblemSchema } from './schemas.js';

export interface OpenApiInfo {
  title?: string;
  version: string;
  description?: string;
  /** Server URLs, e.g. the public URL of this deployment. */
  servers?: string[];
}

type Doc = Record<string, any>;

class SchemaWriter {
  readonly components: Record<string, unknown> = {};

  /** A copy of `schema` with every named component replaced by a reference. */
  write(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map((s) => this.write(s));
    if (!schema || typeof schema !== 'object') return schema;
    const name = componentName(schema);
    if (name) {
      if (!(name in this.components)) {
        // Reserve the name first so a schema that contains itself ends in a reference.
        this.components[name] = {};
        this.components[name] = this.inline(schema as Record<string, unknown>);
      }
      return { $ref: `#/components/schemas/${name}` };
    }
    return this.inline(schema as Record<string, unknown>);
  }

  private inline(schema: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(schema)) out[k] = this.write(v);
    return out;
  }
}

const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function parameters(route: RouteDef, w: SchemaWriter): Doc[] {
  const out: Doc[] = [];
  const add = (where: 'path' | 'query', schema: JsonSchema | undefined) => {
    const props = (schema?.properties ?? {}) as Record<string, Record<string, unknown>>;
    const required = new Set((schema?.required as string[] | undefined) ?? []);
    for (const [name, s] of Object.entries(props)) {
      const { description, ...rest } = s;
      out.push({ name, in: where, required: where === 'path' || required.has(name), ...(description ? { description } : {}), schema: w.write(rest) });
    }
  };
  add('path', route.params);
  add('query', route.query);
  // Parameters a flat property list cannot describe (deepObject `filter[…]` keys, matched by
  // patternProperties) are written by the route itself.
  for (const p of ((route.query as { 'x-parameters'?: Doc[] } | undefined)?.['x-parameters'] ?? [])) {
    out.push({ ...p, schema: w.write(p.schema as JsonSchema) });
  }
  if ((route.access ?? 'tenant') === 'tenant') {
    out.push({ $ref: '#/components/parameters/TenantQuery' }, { $ref: '#/components/parameters/TenantHeader' });
  }
  return out;
}

/** The problem statuses a route can answer with, from what it takes and who may call it. */
function problemStatuses(route: RouteDef): number[] {
  const access = route.access ?? 'tenant';
  const set = new Set<number>(route.problems ?? []);
  if (access !== 'public') [401, 429].forEach((s) => set.add(s));
  if (access === 'admin' || access === 'tenant') set.add(403);
  if (access === 'tenant') set.add(400);
  if (route.query) set.add(400);
  if (route.params) set.add(404);
  if (route.body) [400, 413, 415].forEach((s) => set.add(s));
  if (route.body && !isRawBody(route.body)) set.add(422);
  set.add(500);
  return [...set].sort((a, b) => a - b);
}

function operation(route: RouteDef, w: SchemaWriter): Doc {
  const op: Doc = { operationId: route.id, summary: route.summary, tags: route.tags };
  if (route.description) op.description = route.description;
  if ((route.access ?? 'tenant') === 'public') op.security = [];
  const params = parameters(route, w);
  if (params.length) op.parameters = params;
  if (route.body !== undefined) {
    if (isRawBody(route.body)) {
      const types = route.body.contentTypes ?? ['*/*'];
      op.requestBody = { required: true, description: route.body.description, content: Object.fromEntries(types.map((t) => [t, {}])) };
    } else {
      op.requestBody = { required: !route.bodyOptional, content: { 'application/json': { schema: w.write(route.body) } } };
    }
  }
  const responses: Doc = {};
  for (const [status, r] of Object.entries(route.responses)) {
    const res: Doc = { description: r.description };
    if (r.schema) res.content = { [r.contentType ?? 'application/json']: { schema: w.write(r.schema) } };
    if (r.headers) {
      res.headers = Object.fromEntries(Object.entries(r.headers).map(([h, d]) => [h, { description: d.description, schema: d.schema ?? { type: 'string' } }]));
    }
    responses[status] = res;
  }
  for (const status of problemStatuses(route)) {
    if (responses[status]) continue;
    responses[status] = status === 429 ? { $ref: '#/components/responses/TooManyRequests' } : problemResponse(status, w);
  }
  op.responses = responses;
  return op;
}

function problemResponse(status: number, w: SchemaWriter): Doc {
  return { description: statusTitle(status), content: { [PROBLEM_CONTENT_TYPE]: { schema: w.write(ProblemSchema) } } };
}

function errorTable(): string {
  const rows = kindTable().map((r) => `| ${r.kind} | ${r.status} | \`${r.code}\` |`);
  return ['| engine error kind | status | code |', '| --- | --- | --- |', ...rows].join('\n');
}

export function buildOpenApi(routes: readonly RouteDef[], info: OpenApiInfo): Record<string, unknown> {
  const w = new SchemaWriter();
  const paths: Doc = {};
  for (const route of routes) {
    const p = openApiPath(route.path);
    paths[p] ??= {};
    paths[p][route.method.toLowerCase()] = operation(route, w);
  }
  const tags = [...new Set(routes.flatMap((r) => r.tags))].map((name) => ({ name }));
  const description = info.description ??
    'Patchbay runs declarative connectors for many tenants. Authenticate with `Authorization: Bearer <API key>`. ' +
    'A tenant key acts for its tenant; the admin key names one with `?tenant=` or the `X-Patchbay-Tenant` header. ' +
    "Every error is `application/problem+json` with a stable `code`. A provider's refusal of the stored credentials is " +
    "424 `provider_auth`, never 401 (which is about the caller's key).\n\n" + errorTable();
  return {
    openapi: '3.1.0',
    info: { title: info.title ?? 'Patchbay', version: info.version, description },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    ...(info.servers?.length ? { servers: info.servers.map((url) => ({ url })) } : {}),
    security: [{ bearerAuth: [] }],
    tags,
    paths,
    components: {
      schemas: w.components,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A Patchbay API key (`pbk_…`).' } },
      parameters: {
        TenantQuery: {
          name: TENANT_QUERY, in: 'query', required: false,
          description: 'Admin key only: the tenant to act for (a tenant key may only name its own).',
          schema: { type: 'string', pattern: TENANT_PATTERN },
        },
        TenantHeader: {
          name: TENANT_HEADER, in: 'header', required: false,
          description: 'Admin key only: the tenant to act for (same as `?tenant=`).',
          schema: { type: 'string', pattern: TENANT_PATTERN },
        },
      },
      responses: {
        TooManyRequests: {
          description: 'Too many requests (this API key, or the provider): retry after the given seconds',
          headers: { 'retry-after': { description: 'Seconds to wait', schema: { type: 'integer' } } },
          content: { [PROBLEM_CONTENT_TYPE]: { schema: w.write(ProblemSchema) } },
        },
      },
    },
  };
}

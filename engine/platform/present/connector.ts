/**
 * A connector as every client sees it — `GET /v1/connectors/:id` and `patchbay describe
 * --json` are this one document, and `describe`'s text is rendered from it: JSON Schemas for
 * config and each auth method's credentials, actions with their input schemas, streams and a
 * webhook summary. Read from the compiled plan (defaults merged, `extends` resolved); no
 * request template, secret, file path or credential default is included.
 */
import type { Plan, PlanAuthMethod, PlanRoute } from '../../plan/plan.js';
import { compact, type Json } from './resources.js';
import { routeActions } from '../../components/actions/registry.js';
import { authKinds } from '../../components/auth/registry.js';
import { verifiers } from '../../components/verify/registry.js';

const EMPTY_OBJECT_SCHEMA = { type: 'object', properties: {} };

/** A JSON Schema as the document carries it. */
export type SchemaObject = Record<string, unknown>;

export interface AuthMethodDocument {
  name: string;
  type: string;
  label?: string;
  description?: string;
  credentials_schema: SchemaObject;
  in?: string;
  param?: string;
  header?: string;
  scheme?: string;
  grant?: string;
  scopes?: string[];
  pkce?: boolean;
}

export interface ConnectorDocument {
  id: string;
  name: string;
  description?: string;
  categories: string[];
  docs_url?: string;
  icon?: string;
  config_schema: SchemaObject;
  settings_schema?: SchemaObject;
  auth: { default: string; methods: AuthMethodDocument[] };
  actions: Array<{ name: string; title?: string; description?: string; method: string; input_schema: SchemaObject }>;
  streams: Array<{
    name: string; title?: string; description?: string; primary_key: string[]; incremental: boolean;
    cursor_field?: string; model?: string; parent?: string; marks_deleted: boolean; pagination: string;
  }>;
  dynamic_streams?: Array<{ family: string; title?: string; description?: string; primary_key: string[]; incremental: boolean; cursor_field?: string; pagination: string }>;
  environments?: Array<{ name: string; title?: string; default: boolean; base_url?: string }>;
  /** `auth`: the methods the step runs for, when not all. */
  setup?: Array<{ name: string; kind: 'capture' | 'request' | 'choose'; auth?: string[] }>;
  webhooks?: {
    verification: string; algorithm?: string; signature_header?: string; handshake: boolean;
    events: string[]; routes: Array<{ on: string[]; actions: string[] }>;
  };
}

export interface ConnectorSummary {
  id: string;
  name: string;
  description?: string;
  categories: string[];
  auth_types: string[];
  actions: string[];
  streams: string[];
  webhooks: boolean;
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function dynamicFamilies(plan: Plan): ConnectorDocument['dynamic_streams'] {
  const families = Object.values(plan.dynamicStreams ?? {});
  if (families.length === 0) return undefined;
  return families.map((f) => compact({
    family: f.name,
    title: f.title,
    description: f.description,
    primary_key: [...f.template.primaryKey],
    incremental: f.template.cursor !== undefined,
    cursor_field: f.template.cursor?.field,
    pagination: f.template.http.pagination.type,
  }));
}

function identity(plan: Plan) {
  return compact({ id: plan.id, name: plan.name, description: plan.description, categories: [...plan.categories] });
}

/** Where the credential goes, as the method's kind tells it; never its value. */
function placement(m: PlanAuthMethod): Partial<AuthMethodDocument> {
  return (authKinds.get(m.type)?.summary?.(m) ?? {}) as Partial<AuthMethodDocument>;
}

function authMethod(m: PlanAuthMethod): AuthMethodDocument {
  return compact<Json>({
    name: m.name,
    type: m.type,
    label: m.label,
    description: str((m.spec as Record<string, unknown>).description),
    credentials_schema: m.credentialsSchema ?? EMPTY_OBJECT_SCHEMA,
    ...placement(m),
  }) as unknown as AuthMethodDocument;
}

function routeActionLines(r: PlanRoute): string[] {
  return r.actions.map((a) => routeActions.get(a.type)?.summary?.(a) ?? a.type);
}

export function summarizeConnector(plan: Plan): ConnectorSummary {
  return {
    ...identity(plan),
    auth_types: [...new Set(Object.values(plan.auth.methods).map((m) => m.type))],
    actions: Object.keys(plan.actions),
    streams: Object.keys(plan.streams),
    webhooks: plan.webhooks !== undefined,
  };
}

/** A literal base URL is shown (where a sandbox lives); a templated one is not (it may read a tenant's config). */
function environments(plan: Plan): ConnectorDocument['environments'] {
  const envs = plan.environments;
  if (!envs) return undefined;
  return envs.names.map((n) => {
    const e = envs.byName[n];
    const base = e.baseUrl?.source;
    return compact({ name: n, title: e.title, default: n === envs.default, base_url: base && !base.includes('{{') ? base : undefined });
  });
}

export function describeConnector(plan: Plan): ConnectorDocument {
  const w = plan.webhooks;
  return compact<Json>({
    ...identity(plan),
    docs_url: plan.docsUrl,
    icon: plan.icon,
    config_schema: plan.configSchema ?? EMPTY_OBJECT_SCHEMA,
    settings_schema: plan.settingsSchema,
    auth: { default: plan.auth.defaultMethod, methods: Object.values(plan.auth.methods).map(authMethod) },
    actions: Object.values(plan.actions).map((a) => compact({
      name: a.name, title: a.title, description: a.description, method: a.request.method, input_schema: a.inputSchema ?? EMPTY_OBJECT_SCHEMA,
    })),
    streams: Object.values(plan.streams).map((s) => compact({
      name: s.name,
      title: s.title,
      description: s.description,
      primary_key: [...s.primaryKey],
      incremental: s.cursor !== undefined,
      cursor_field: s.cursor?.field,
      model: s.model,
      parent: s.parent,
      marks_deleted: s.markDeleted,
      pagination: s.http.pagination.type,
    })),
    dynamic_streams: dynamicFamilies(plan),
    environments: environments(plan),
    setup: plan.setup?.map((s) => ({ name: s.name, kind: s.capture ? 'capture' : s.choose ? 'choose' : 'request', ...(s.auth ? { auth: [...s.auth] } : {}) })),
    webhooks: w
      ? compact({
          verification: w.verify.type,
          ...(verifiers.get(w.verify.type)?.summary?.(w.verify) ?? {}),
          handshake: w.handshakes.length > 0,
          events: [...new Set(w.routes.flatMap((r) => r.on))],
          routes: w.routes.map((r) => ({ on: [...r.on], actions: routeActionLines(r) })),
        })
      : undefined,
  }) as unknown as ConnectorDocument;
}

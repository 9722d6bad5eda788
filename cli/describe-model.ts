/**
 * What `list` and `describe` show about a connector, derived from its compiled plan only, so
 * both commands report what the engine will actually run (defaults merged, `extends` resolved).
 */
import type { Plan, PlanRequest } from '../engine/plan/plan.js';

export interface FieldInfo {
  name: string;
  type: string;
  required: boolean;
  title?: string;
  description?: string;
  default?: unknown;
}

export interface ConnectorSummary {
  id: string;
  name: string;
  auth: string[];
  actions: number;
  streams: number;
  webhooks: boolean;
  categories: string[];
}

export interface AuthMethodInfo {
  name: string;
  type: string;
  default: boolean;
  label?: string;
  /** Scalar settings of the strategy as written in the manifest (header name, scopes, grant…). */
  settings: Record<string, unknown>;
  credentials: FieldInfo[];
}

export interface ConnectorDescription {
  id: string;
  name: string;
  description?: string;
  categories: string[];
  docsUrl?: string;
  file: string;
  auth: AuthMethodInfo[];
  config: FieldInfo[];
  credentials: FieldInfo[];
  check?: { request: string };
  actions: Array<{ name: string; title?: string; description?: string; request: string; input: FieldInfo[] }>;
  streams: Array<{
    name: string;
    title?: string;
    description?: string;
    request: string;
    primaryKey: string[];
    cursor?: string;
    model?: string;
    parent?: string;
    pagination: string;
  }>;
  webhooks?: {
    verification: string;
    algorithm?: string;
    signatureHeader?: string;
    handshake: boolean;
    connectionMatch?: string;
    routes: Array<{ on: string[]; do: string[] }>;
  };
}

export function summarize(plan: Plan): ConnectorSummary {
  return {
    id: plan.id,
    name: plan.name,
    auth: [...new Set(Object.values(plan.auth.methods).map((m) => m.type))],
    actions: Object.keys(plan.actions).length,
    streams: Object.keys(plan.streams).length,
    webhooks: plan.webhooks !== undefined,
    categories: [...plan.categories],
  };
}

export function describePlan(plan: Plan): ConnectorDescription {
  const out: ConnectorDescription = {
    id: plan.id,
    name: plan.name,
    categories: [...plan.categories],
    file: plan.file,
    auth: Object.values(plan.auth.methods).map((m) => ({
      name: m.name,
      type: m.type,
      default: m.name === plan.auth.defaultMethod,
      ...(m.label !== undefined ? { label: m.label } : {}),
      settings: scalarSettings(m.spec),
      credentials: schemaFields(m.credentialsSchema),
    })),
    config: schemaFields(plan.configSchema),
    credentials: schemaFields(plan.credentialsSchema),
    actions: Object.values(plan.actions).map((a) => ({
      name: a.name,
      ...optional({ title: a.title, description: a.description }),
      request: requestLine(a.request),
      input: schemaFields(a.inputSchema),
    })),
    streams: Object.values(plan.streams).map((s) => ({
      name: s.name,
      ...optional({ title: s.title, description: s.description, cursor: s.cursor?.field, model: s.model, parent: s.parent }),
      request: requestLine(s.request),
      primaryKey: [...s.primaryKey],
      pagination: s.http.pagination.type,
    })),
  };
  Object.assign(out, optional({ description: plan.description, docsUrl: plan.docsUrl }));
  if (plan.check) out.check = { request: requestLine(plan.check.request) };
  if (plan.webhooks) {
    const w = plan.webhooks;
    out.webhooks = {
      verification: w.verify.type,
      ...optional({
        algorithm: w.verify.type === 'hmac' ? w.verify.algorithm : undefined,
        signatureHeader: w.verify.signature?.header,
        connectionMatch: w.connection ? `${w.connection.match.source} = settings.${w.connection.setting}` : undefined,
      }),
      handshake: w.handshake !== undefined,
      routes: w.routes.map((r) => ({
        on: [...r.on],
        do: [
          ...(r.upsert ? [`upsert ${r.upsert.stream}`] : []),
          ...(r.delete ? [`delete ${r.delete.stream}`] : []),
          ...(r.sync ? [`sync ${r.sync.stream}`] : []),
          ...(r.emit ? [`emit ${r.emit.event}`] : []),
        ],
      })),
    };
  }
  return out;
}

/** The properties of an object JSON Schema as a flat list of fields. */
export function schemaFields(schema: object | undefined): FieldInfo[] {
  const s = schema as { properties?: Record<string, Record<string, unknown>>; required?: string[] } | undefined;
  if (!s?.properties) return [];
  const required = new Set(s.required ?? []);
  return Object.entries(s.properties).map(([name, prop]) => ({
    name,
    type: typeName(prop),
    required: required.has(name),
    ...optional({
      title: typeof prop.title === 'string' ? prop.title : undefined,
      description: typeof prop.description === 'string' ? prop.description : undefined,
      default: prop.default,
    }),
  }));
}

function typeName(prop: Record<string, unknown>): string {
  if (Array.isArray(prop.enum)) return prop.enum.map(String).join('|');
  if (Array.isArray(prop.type)) return prop.type.join('|');
  if (typeof prop.type === 'string') {
    const items = prop.items as Record<string, unknown> | undefined;
    return prop.type === 'array' && items ? `${typeName(items)}[]` : prop.type;
  }
  return 'any';
}

const DESCRIBED_ELSEWHERE = new Set(['type', 'label', 'description', 'credentials']);

function scalarSettings(spec: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec)) {
    if (DESCRIBED_ELSEWHERE.has(key)) continue;
    const scalar = (v: unknown) => ['string', 'number', 'boolean'].includes(typeof v);
    if (scalar(value) || (Array.isArray(value) && value.every(scalar))) out[key] = value;
  }
  return out;
}

function requestLine(r: PlanRequest): string {
  return `${r.method} ${r.path?.source ?? r.url?.source ?? '/'}`;
}

/** Only the keys whose value is defined, so JSON output has no `undefined` holes. */
function optional<T extends Record<string, unknown>>(fields: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/**
 * The human-readable form of `patchbay describe`, rendered from the same document that
 * `describe --json` prints and `GET /v1/connectors/:id` answers, so the three cannot disagree.
 */
import type { AuthMethodDocument, ConnectorDocument, SchemaObject } from '../engine/platform/present/index.js';
import { displayPath } from './context.js';
import { table } from './format.js';

interface FieldInfo {
  name: string;
  type: string;
  required: boolean;
  title?: string;
  description?: string;
}

/** `file`: where the CLI loaded the manifest from (the document itself names no path). */
export function renderDescription(d: ConnectorDocument, file?: string): string {
  const out: string[] = [`${d.name} (${d.id})`];
  if (d.description) out.push(indent(d.description, 2));
  if (d.categories.length) out.push(`  categories: ${d.categories.join(', ')}`);
  if (d.docs_url) out.push(`  docs: ${d.docs_url}`);
  if (file) out.push(`  file: ${displayPath(file)}`);

  out.push('', 'Auth');
  const methods = d.auth.methods;
  for (const m of methods) {
    const tags = [m.type, ...(m.name === d.auth.default && methods.length > 1 ? ['default'] : [])].join(', ');
    out.push(`  ${m.name} (${tags})${m.label ? ` — ${m.label}` : ''}`);
    for (const [k, v] of placement(m)) out.push(`    ${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
    const creds = schemaFields(m.credentials_schema);
    if (creds.length) out.push('    credentials:', fields(creds, 6));
  }
  const config = schemaFields(d.config_schema);
  out.push('', 'Config', config.length ? fields(config, 2) : '  none');

  out.push('', `Actions (${d.actions.length})`);
  for (const a of d.actions) {
    out.push(`  ${a.name}  ${a.method}`);
    const about = a.title ?? a.description;
    if (about) out.push(`    ${about}`);
    const input = schemaFields(a.input_schema);
    if (input.length) out.push('    input:', fields(input, 6));
  }

  out.push('', `Streams (${d.streams.length})`);
  for (const s of d.streams) {
    out.push(`  ${s.name}`);
    const about = s.title ?? s.description;
    if (about) out.push(`    ${about}`);
    const facts = [`primary key: ${s.primary_key.join(', ')}`, `cursor: ${s.cursor_field ?? '— (full refresh)'}`];
    if (s.model) facts.push(`model: ${s.model}`);
    if (s.parent) facts.push(`parent: ${s.parent}`);
    facts.push(`pagination: ${s.pagination}`);
    out.push(`    ${facts.join(' · ')}`);
  }

  if (d.dynamic_streams?.length) {
    out.push('', `Dynamic streams (${d.dynamic_streams.length} ${d.dynamic_streams.length === 1 ? 'family' : 'families'}; list them with patchbay discover)`);
    for (const f of d.dynamic_streams) {
      out.push(`  ${f.family}.<key>`);
      const about = f.title ?? f.description;
      if (about) out.push(`    ${about}`);
      out.push(`    primary key: ${f.primary_key.join(', ')} (or the discovered one) · cursor: ${f.cursor_field ?? '— (full refresh)'} · pagination: ${f.pagination}`);
    }
  }

  out.push('', 'Webhooks');
  if (!d.webhooks) {
    out.push('  none');
  } else {
    const w = d.webhooks;
    const how = [w.verification, w.algorithm, w.signature_header ? `header ${w.signature_header}` : undefined].filter(Boolean);
    out.push(`  verification: ${how.join(' ')}`);
    out.push(`  handshake: ${w.handshake ? 'yes' : 'no'}`);
    out.push(`  routes (${w.routes.length}):`);
    for (const r of w.routes) out.push(`    ${r.on.join(', ')} → ${r.actions.length ? r.actions.join('; ') : '(stored only)'}`);
  }
  return `${out.join('\n')}\n`;
}

const PLACEMENT_KEYS = ['in', 'param', 'header', 'scheme', 'grant', 'scopes', 'pkce'] as const;

function placement(m: AuthMethodDocument): Array<[string, unknown]> {
  return PLACEMENT_KEYS.filter((k) => m[k] !== undefined).map((k) => [k === 'param' ? 'name' : k, m[k]]);
}

/** The properties of an object JSON Schema as a flat list of fields. */
function schemaFields(schema: SchemaObject | undefined): FieldInfo[] {
  const s = schema as { properties?: Record<string, Record<string, unknown>>; required?: string[] } | undefined;
  if (!s?.properties) return [];
  const required = new Set(s.required ?? []);
  return Object.entries(s.properties).map(([name, prop]) => ({
    name,
    type: typeName(prop),
    required: required.has(name),
    title: typeof prop.title === 'string' ? prop.title : undefined,
    description: typeof prop.description === 'string' ? prop.description : undefined,
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

function fields(list: FieldInfo[], spaces: number): string {
  const rows = list.map((f) => [
    f.name,
    f.type,
    f.required ? 'required' : 'optional',
    [f.title, f.description].filter(Boolean).join(' — '),
  ]);
  return indent(table(['name', 'type', 'required', 'title'], rows), spaces);
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((l) => (l ? pad + l : l))
    .join('\n');
}

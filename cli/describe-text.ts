/** The human-readable form of `patchbay describe`. */
import type { ConnectorDescription, FieldInfo } from './describe-model.js';
import { displayPath } from './context.js';
import { table } from './format.js';

export function renderDescription(d: ConnectorDescription): string {
  const out: string[] = [`${d.name} (${d.id})`];
  if (d.description) out.push(indent(d.description, 2));
  if (d.categories.length) out.push(`  categories: ${d.categories.join(', ')}`);
  if (d.docsUrl) out.push(`  docs: ${d.docsUrl}`);
  out.push(`  file: ${displayPath(d.file)}`);

  out.push('', 'Auth');
  for (const m of d.auth) {
    const tags = [m.type, ...(m.default && d.auth.length > 1 ? ['default'] : [])].join(', ');
    out.push(`  ${m.name} (${tags})${m.label ? ` — ${m.label}` : ''}`);
    for (const [k, v] of Object.entries(m.settings)) out.push(`    ${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
    if (m.credentials.length) out.push('    credentials:', fields(m.credentials, 6));
  }
  section(out, 'Config', d.config);
  section(out, 'Credentials', d.credentials);
  if (d.check) out.push('', 'Check', `  ${d.check.request}`);

  out.push('', `Actions (${d.actions.length})`);
  for (const a of d.actions) {
    out.push(`  ${a.name}  ${a.request}`);
    const about = a.title ?? a.description;
    if (about) out.push(`    ${about}`);
    if (a.input.length) out.push('    input:', fields(a.input, 6));
  }

  out.push('', `Streams (${d.streams.length})`);
  for (const s of d.streams) {
    out.push(`  ${s.name}  ${s.request}`);
    const about = s.title ?? s.description;
    if (about) out.push(`    ${about}`);
    const facts = [`primary key: ${s.primaryKey.join(', ')}`, `cursor: ${s.cursor ?? '— (full refresh)'}`];
    if (s.model) facts.push(`model: ${s.model}`);
    if (s.parent) facts.push(`parent: ${s.parent}`);
    facts.push(`pagination: ${s.pagination}`);
    out.push(`    ${facts.join(' · ')}`);
  }

  out.push('', 'Webhooks');
  if (!d.webhooks) {
    out.push('  none');
  } else {
    const w = d.webhooks;
    const how = [w.verification, w.algorithm, w.signatureHeader ? `header ${w.signatureHeader}` : undefined].filter(Boolean);
    out.push(`  verification: ${how.join(' ')}`);
    out.push(`  handshake: ${w.handshake ? 'yes' : 'no'}`);
    if (w.connectionMatch) out.push(`  connection: ${w.connectionMatch}`);
    out.push(`  routes (${w.routes.length}):`);
    for (const r of w.routes) out.push(`    ${r.on.join(', ')} → ${r.do.length ? r.do.join('; ') : '(stored only)'}`);
  }
  return `${out.join('\n')}\n`;
}

function section(out: string[], title: string, list: FieldInfo[]): void {
  out.push('', title, list.length ? fields(list, 2) : '  none');
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

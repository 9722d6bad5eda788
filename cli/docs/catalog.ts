/**
 * Renders the connector catalog (docs/connectors/README.md) from the connectors' describe
 * documents, the same ones `patchbay describe` and GET /v1/connectors/:id show, so the
 * catalog cannot claim a stream, model or webhook a manifest does not have. Pure: same
 * documents, same bytes, which lets a test compare the committed file with a fresh render.
 */
import type { ConnectorDocument } from '../../engine/platform/present/index.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
const code = (s: string) => `\`${s}\``;

function authLine(d: ConnectorDocument): string {
  return d.auth.methods.map((m) => {
    const grant = m.type === 'oauth2' && m.grant ? ` (${m.grant.replace('_', ' ')})` : '';
    return d.auth.methods.length > 1 ? `${code(m.name)}: ${m.type}${grant}` : `${m.type}${grant}`;
  }).join(', ');
}

function streamLine(s: ConnectorDocument['streams'][number]): string {
  const traits = [s.incremental ? `incremental on ${code(s.cursor_field ?? 'cursor')}` : 'full refresh'];
  if (s.marks_deleted) traits.push('deletions');
  if (s.parent) traits.push(`per ${code(s.parent)}`);
  traits.push(`${s.pagination} paging`);
  return `- ${code(s.name)}${s.model ? ` → ${code(s.model)}` : ''}: ${traits.join(', ')}`;
}

/** Unified events a route emits, read off the route summaries (`emit contact.created (customers)`). */
function emitted(d: ConnectorDocument): string[] {
  const out = new Set<string>();
  for (const r of d.webhooks?.routes ?? []) {
    for (const a of r.actions) {
      const m = /^emit (\S+)/.exec(a);
      if (m) out.add(m[1]);
    }
  }
  return [...out].sort();
}

function webhookLines(d: ConnectorDocument): string[] {
  const w = d.webhooks;
  if (!w) return ['- Webhooks: none'];
  const how = [w.verification === 'none' ? 'unverified' : `verified by ${w.verification}${w.signature_header ? ` (${code(w.signature_header)})` : ''}`];
  if (w.handshake) how.push('with a handshake');
  const lines = [`- Webhooks: ${how.join(', ')}; events ${w.events.map(code).join(', ') || 'any'}`];
  const events = emitted(d);
  if (events.length) lines.push(`- Emits: ${events.map(code).join(', ')}`);
  return lines;
}

function section(d: ConnectorDocument): string[] {
  const out = [`## ${d.name} (${code(d.id)})`, ''];
  if (d.description) out.push(cell(d.description), '');
  out.push(`- Categories: ${d.categories.join(', ') || '—'}`);
  out.push(`- Auth: ${authLine(d)}`);
  if (d.setup?.length) out.push(`- Set-up steps: ${d.setup.map((s) => `${code(s.name)} (${s.kind}${s.auth ? `; ${s.auth.map(code).join(', ')} only` : ''})`).join(', ')}`);
  out.push(`- Streams:${d.streams.length ? '' : ' none'}`);
  for (const s of d.streams) out.push(`  ${streamLine(s)}`);
  out.push(`- Actions: ${d.actions.map((a) => `${code(a.name)} (${a.method})`).join(', ') || 'none'}`);
  out.push(...webhookLines(d));
  out.push(`- Guide: [connectors/${d.id}/README.md](../../connectors/${d.id}/README.md)${d.docs_url ? `; provider docs: ${d.docs_url}` : ''}`, '');
  return out;
}

export function renderCatalog(docs: ConnectorDocument[]): string {
  const sorted = [...docs].sort((a, b) => a.id.localeCompare(b.id));
  const out = [
    '# Connector catalog',
    '',
    '<!-- Generated from connectors/*/connector.yaml by `npm run docs`. Do not edit by hand. -->',
    '',
    'Every shipped connector, as `patchbay describe <id>` shows it. Unified models are described in',
    '[models.md](../models.md); research on SQL Account and AutoCount is in',
    '[sql-accounting-autocount.md](sql-accounting-autocount.md).',
    '',
    '| Connector | Categories | Auth | Streams → models | Actions | Webhooks |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const d of sorted) {
    const streams = d.streams.map((s) => (s.model ? `${s.name} → ${s.model}` : s.name)).join(', ') || '—';
    out.push(`| [${cell(d.name)}](#${anchor(d)}) | ${d.categories.join(', ')} | ${cell(authLine(d))} | ${cell(streams)} | ${d.actions.length} | ${d.webhooks ? cell(d.webhooks.verification) : '—'} |`);
  }
  out.push('');
  for (const d of sorted) out.push(...section(d));
  return `${out.join('\n').trimEnd()}\n`;
}

/** The heading anchor Markdown renderers derive from `## Name (`id`)`: lower case, punctuation dropped, spaces as dashes. */
function anchor(d: ConnectorDocument): string {
  return `${d.name} (${d.id})`.toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-');
}

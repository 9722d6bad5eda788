import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderManifestDocs } from '../../cli/docs-gen.js';
import { DIAGNOSTIC_CODES } from '../../engine/plan/index.js';
import { ROOT } from './helpers.js';

const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/connector.schema.json'), 'utf8'));

describe('docs/manifest.md', () => {
  it('equals a fresh render of the schema and diagnostic codes', () => {
    const file = join(ROOT, 'docs/manifest.md');
    const fresh = renderManifestDocs(schema, DIAGNOSTIC_CODES);
    const committed = existsSync(file) ? readFileSync(file, 'utf8') : '';
    expect(committed === fresh, 'docs are stale: run npm run docs').toBe(true);
  });
});

describe('renderManifestDocs', () => {
  const doc = renderManifestDocs(schema, { 'unknown-key': 'A key the schema does not allow.' });

  it('has a section with a field table for the top level and every $defs object', () => {
    expect(doc).toContain('## Top level\n');
    for (const [name, def] of Object.entries(schema.$defs as Record<string, { properties?: object }>)) {
      expect(doc).toContain(`\n## \`${name}\`\n`);
      if (def.properties) {
        const section = doc.split(`\n## \`${name}\`\n`)[1].split('\n## ')[0];
        for (const field of Object.keys(def.properties)) expect(section).toContain(`| \`${field}\` |`);
      }
    }
  });

  it('marks required fields, shows stated defaults and links references', () => {
    const top = doc.split('## Top level\n')[1].split('\n## ')[0];
    expect(top).toMatch(/\| `id` \| string \(matching `\^\[a-z\]\[a-z0-9_-\]\*\$`\) \| yes \| {2}\| Connector id/);
    expect(top).toMatch(/\| `http` \| \[`http`\]\(#http\) \| yes \|/);
    expect(top).toMatch(/\| `description` \| string \| {2}\| {2}\|/);
    const apiKey = doc.split('\n## `auth_api_key`\n')[1].split('\n## ')[0];
    expect(apiKey).toContain('| `in` | one of `header`, `query` |  | `"header"` | Where the key goes. |');
  });

  it('lists every discriminated kind with a link to its own section', () => {
    const kinds = (node: { allOf: Array<{ if: { properties: { type: { const: string } } }; then: { $ref: string } }> }) =>
      node.allOf.map((b) => [b.if.properties.type.const, b.then.$ref.replace('#/$defs/', '')]);
    const unions = [schema.$defs.auth_method, schema.$defs.pagination, schema.$defs.webhook_verify];
    for (const union of unions) {
      for (const [value, def] of kinds(union)) {
        expect(doc).toContain(`| \`${value}\` | [\`${def}\`](#${def}) |`);
        expect(doc).toContain(`\n## \`${def}\`\n`);
      }
    }
    expect(doc).toContain('\n## `webhook_verify`\n');
    // Route actions are keyed (a section per action, beside `on` and `when`): each links to its section.
    for (const action of ['upsert', 'delete', 'sync', 'emit']) {
      expect(doc).toContain(`\n## \`route_${action}\`\n`);
      expect(doc).toMatch(new RegExp(`\\| \`${action}\` \\|[^\\n]*\\(#route_${action}\\)`));
    }
  });

  it('ends with the diagnostic codes, escaping table pipes', () => {
    const withPipe = renderManifestDocs(schema, { 'a-code': 'one | two' });
    expect(withPipe.trimEnd().endsWith('| `a-code` | one \\| two |')).toBe(true);
    expect(doc).toContain('## Diagnostic codes');
  });

  it('changes when the schema changes', () => {
    const changed = structuredClone(schema);
    changed.properties.name.description = 'Renamed for the test.';
    expect(renderManifestDocs(changed, {})).not.toBe(renderManifestDocs(schema, {}));
    expect(renderManifestDocs(changed, {})).toContain('Renamed for the test.');
  });

  it('has a contents entry for every section heading, with working anchors', () => {
    const headings = [...doc.matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1]).filter((h) => h !== 'Contents');
    for (const h of headings) {
      const anchor = h.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
      expect(doc).toContain(`[${h}](#${anchor})`);
    }
  });
});

describe('docs/connectors/README.md', () => {
  it('equals a fresh render of the shipped connectors', async () => {
    const { renderCurrentCatalog } = await import('../../cli/docs-gen.js');
    const file = join(ROOT, 'docs/connectors/README.md');
    const fresh = await renderCurrentCatalog(join(ROOT, 'connectors'));
    const committed = existsSync(file) ? readFileSync(file, 'utf8') : '';
    expect(committed === fresh, 'the connector catalog is stale: run npm run build && npm run docs').toBe(true);
  });

  it('lists every shipped connector with its streams, models and unified events', async () => {
    const { renderCurrentCatalog } = await import('../../cli/docs-gen.js');
    const doc = await renderCurrentCatalog(join(ROOT, 'connectors'));
    const shipped = readdirSync(join(ROOT, 'connectors')).filter((d) => existsSync(join(ROOT, 'connectors', d, 'connector.yaml')));
    expect(shipped.length).toBeGreaterThanOrEqual(10);
    for (const id of shipped) expect(doc).toContain(`(\`${id}\`)`);
    expect(doc).toMatch(/- `customers` → `contact`: incremental on `updated_at`/);
    expect(doc).toMatch(/- Emits: .*`contact\.created`/);
    // A set-up step limited to some auth methods says so.
    expect(doc).toContain('`page_token` (choose; `facebook_login` only)');
  });
});

describe('docs/models.md', () => {
  it('names, for every model schema, exactly the connectors whose streams map to it, at least two', async () => {
    const { loadConnectors } = await import('../../engine/index.js');
    const { plans } = await loadConnectors(join(ROOT, 'connectors'));
    const mappedBy = new Map<string, Set<string>>();
    for (const plan of plans.values()) {
      for (const s of Object.values(plan.streams)) if (s.model) mappedBy.set(s.model, (mappedBy.get(s.model) ?? new Set()).add(plan.id));
    }
    const doc = readFileSync(join(ROOT, 'docs/models.md'), 'utf8');
    const rows = new Map<string, string[]>();
    for (const m of doc.matchAll(/^\| ((?:`[a-z_]+`(?:, )?)+) \| [^|]+ \| ([^|]+) \|$/gm)) {
      const providers = m[2].split(',').map((p) => p.trim()).filter(Boolean);
      for (const model of m[1].match(/[a-z_]+/g)!) rows.set(model, providers);
    }
    const models = readdirSync(join(ROOT, 'schemas/models')).map((f) => f.replace(/\.schema\.json$/, '')).sort();
    expect([...rows.keys()].sort()).toEqual(models);
    for (const model of models) {
      const actual = [...(mappedBy.get(model) ?? [])].sort();
      expect(actual.length, `model ${model} is mapped by ${actual.join(', ') || 'no connector'}`).toBeGreaterThanOrEqual(2);
      // A row may group models (`ticket`, `message`, `user`): it lists every connector of any of them.
      const grouped = [...rows.entries()].filter(([, p]) => p === rows.get(model)).flatMap(([m]) => [...(mappedBy.get(m) ?? [])]);
      expect([...rows.get(model)!].sort(), `docs/models.md row of ${model}`).toEqual([...new Set(grouped)].sort());
    }
  });
});

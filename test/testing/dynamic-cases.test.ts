/**
 * tests.yaml cases for dynamic streams (issue 13 item 4), on the Supabase-shaped example in
 * fixtures-dynamic/: a `discover` case expects the streams found and the items skipped, and a
 * `stream` case may name a discovered stream (the discovery exchange plays first). Each
 * mutation removes what a case proves and must make it fail.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTestSuite, runConnectorTests } from '../../engine/testing/index.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures-dynamic');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A copy of the example with one of its files edited. */
function mutated(file: 'connector.yaml' | 'tests.yaml', from: string, to: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-dynamic-cases-'));
  dirs.push(dir);
  cpSync(path.join(FIXTURES, 'tablebase'), path.join(dir, 'tablebase'), { recursive: true });
  const target = path.join(dir, 'tablebase', file);
  const src = readFileSync(target, 'utf8');
  if (!src.includes(from)) throw new Error(`fixture edit: ${from} not in ${file}`);
  writeFileSync(target, src.replace(from, to));
  return dir;
}

const failures = async (dir: string) => (await runConnectorTests(dir)).filter((r) => !r.ok).map((r) => `${r.case}: ${r.failures.join(' | ')}`);

describe('dynamic stream cases', () => {
  it('every example case passes as written', async () => {
    const results = await runConnectorTests(FIXTURES);
    expect(results.filter((r) => !r.ok).map((r) => [r.case, r.failures])).toEqual([]);
    expect(results.map((r) => r.case)).toEqual([
      expect.stringContaining('discovery lists one stream per table'),
      expect.stringContaining('a discovered table reads from its cursor'),
      expect.stringContaining('no longer has is not found'),
    ]);
  });

  it('primary keys taken from the template instead of the document fail the discovery case', async () => {
    const dir = mutated('connector.yaml', "      primary_key: '( $p := definition.properties; $keys($p)[$contains($string($lookup($p, $).description), \"<pk/>\")] )'\n", '');
    expect(await failures(dir)).toEqual([expect.stringMatching(/discovery lists one stream per table.*streams\[1\]\.primary_key/)]);
  });

  it('a template that does not read the item fails the read case', async () => {
    const dir = mutated('connector.yaml', 'path: "/rest/v1/{{item.name}}"', 'path: "/rest/v1/{{item.title}}"');
    expect(await failures(dir)).toEqual([expect.stringContaining('a discovered table reads from its cursor')]);
  });

  it('a read that ignores its state fails the read case', async () => {
    const dir = mutated('connector.yaml', '          updated_at: "gte.{{state.cursor}}"\n', '');
    expect(await failures(dir)).toEqual([expect.stringMatching(/a discovered table reads from its cursor.*updated_at/)]);
  });

  it('an item that is no longer skipped fails the discovery case', async () => {
    const dir = mutated('tests.yaml', '              order items:\n', '              order_items:\n');
    expect(await failures(dir)).toEqual([expect.stringMatching(/discovery lists one stream per table.*skipped/)]);
  });

  it('streams and skipped are refused outside a discover case, and a discover case expects no records', async () => {
    const dir = mutated('tests.yaml', '      state: { cursor: "2024-01-03T00:00:00Z" }\n', '      state: { cursor: "2024-01-03T00:00:00Z" }\n      streams: [{ name: tables.todos }]\n');
    await expect(loadTestSuite(path.join(dir, 'tablebase', 'tests.yaml'), 'tablebase')).rejects.toThrow(/`streams` and `skipped` can only be expected from a `discover` case/);
    const other = mutated('tests.yaml', '      skipped:\n        - { key: order items }\n', '      skipped:\n        - { key: order items }\n      record_count: 2\n');
    await expect(loadTestSuite(path.join(other, 'tablebase', 'tests.yaml'), 'tablebase')).rejects.toThrow(/a `discover` case finds streams/);
  });
});

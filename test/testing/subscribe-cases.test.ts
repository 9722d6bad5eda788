/**
 * `subscribe:` cases in tests.yaml (issue 12 item 9): the Shopify- and Graph-shaped fixture
 * connectors' own suites, each subscribing over the scripted server, renewing on a moved
 * clock, unsubscribing on disconnect; removing what a case proves must fail it.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTestSuite, runConnectorTests } from '../../engine/testing/index.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'webhooks', 'fixtures', 'subscriptions');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function copy(id: string, edit?: { file: 'connector.yaml' | 'tests.yaml'; from: string; to: string }): string {
  const dir = mkdtempSync(path.join(tmpdir(), `patchbay-sub-cases-${id}-`));
  dirs.push(dir);
  cpSync(path.join(FIXTURES, id), path.join(dir, id), { recursive: true });
  if (edit) {
    const file = path.join(dir, id, edit.file);
    const src = readFileSync(file, 'utf8');
    if (!src.includes(edit.from)) throw new Error(`fixture edit: ${edit.from} not in ${id}/${edit.file}`);
    writeFileSync(file, src.replace(edit.from, edit.to));
  }
  return dir;
}

const failures = async (dir: string) => (await runConnectorTests(dir)).filter((r) => !r.ok).map((r) => [r.case, r.failures.join('\n')]);

describe('subscribe cases', () => {
  it('the fixture suites pass: Shopify per topic, Graph renewal, unsubscribe on disconnect', async () => {
    const results = await runConnectorTests(FIXTURES);
    expect(results.filter((r) => !r.ok).map((r) => [r.case, r.failures])).toEqual([]);
    expect(results.map((r) => r.case)).toEqual(expect.arrayContaining([
      expect.stringContaining('Shopify per-topic subscribe'),
      expect.stringContaining('Graph renewal'),
      expect.stringContaining('disconnect deletes'),
    ]));
  });

  it('with a renewal lead time too short to fall due by then, the renewal case fails: its PATCH is never sent', async () => {
    const noRenew = await failures(copy('graphhooks', { file: 'connector.yaml', from: '        before: 6h', to: '        before: 1m' }));
    expect(noRenew).toEqual([[expect.stringContaining('Graph renewal'), expect.stringMatching(/never requested: #2 PATCH/)]]);
  });

  it('without the unsubscribe request, the disconnect case fails', async () => {
    const dir = copy('shopifyhooks', { file: 'connector.yaml', from: '      unsubscribe:\n        request:\n          method: DELETE\n          path: "/webhooks/{{subscription.id}}.json"\n', to: '' });
    expect(await failures(dir)).toEqual([[expect.stringContaining('disconnect deletes'), expect.stringMatching(/never requested: #2 DELETE/)]]);
  });

  it('a subscribe case must expect `subscriptions`, and only that', async () => {
    const dir = copy('shopifyhooks', { file: 'tests.yaml', from: '    expect:\n      subscriptions:\n        - { kind: subscription, name: topics, key: orders/create, provider_id: "4759306", status: removed }\n', to: '    expect:\n      output: {}\n' });
    await expect(loadTestSuite(path.join(dir, 'shopifyhooks', 'tests.yaml'))).rejects.toThrow(/a `subscribe` case does not expect `output`/);
  });
});

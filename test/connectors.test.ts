/**
 * Every connector's data-driven cases (connectors/<id>/tests.yaml), one vitest test each.
 * The files are read at collection time so each case shows up under its own name.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { discoverTestFiles, loadTestSuite, runCase } from '../engine/testing/index.js';
import type { TestSuite } from '../engine/testing/index.js';

const CONNECTORS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'connectors');

const suites: Array<{ connector: string; suite?: TestSuite; error?: string }> = [];
for (const { connector, file } of await discoverTestFiles(CONNECTORS)) {
  try {
    suites.push({ connector, suite: await loadTestSuite(file, connector) });
  } catch (err) {
    suites.push({ connector, error: (err as Error).message });
  }
}

describe('connectors', () => {
  it('every connector is proven by a tests.yaml', () => {
    const manifests = readdirSync(CONNECTORS, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(path.join(CONNECTORS, e.name, 'connector.yaml')))
      .map((e) => e.name);
    expect(manifests.filter((id) => !suites.some((s) => s.connector === id))).toEqual([]);
  });
});

for (const { connector, suite, error } of suites) {
  describe(connector, () => {
    if (!suite) {
      it('tests.yaml is valid', () => {
        expect.fail(error);
      });
      return;
    }
    for (const testCase of suite.cases) {
      it(testCase.name, async () => {
        const result = await runCase(suite, testCase);
        if (!result.ok) {
          expect.fail(`${path.relative(process.cwd(), suite.file)}:${testCase.line ?? 1} ${connector} › ${testCase.name}\n${result.failures.join('\n')}`);
        }
      }, 30_000);
    }
  });
}

/**
 * The layering of docs/architecture.md, enforced: no import cycles, no import from a lower
 * layer into a higher one, nothing in the engine reaching the CLI or the package entry. The
 * rules live in .dependency-cruiser.cjs; this runs them over the sources, and once over a
 * small tree that breaks each rule, so a rule that stopped matching would be noticed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cruise, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './cli/helpers.js';

const require = createRequire(import.meta.url);
const config = require(join(ROOT, '.dependency-cruiser.cjs')) as { forbidden: unknown[]; options: Record<string, unknown> };

async function violations(dirs: string[], baseDir: string, tsConfig?: string): Promise<string[]> {
  const { output } = await cruise(dirs, {
    ...config.options,
    ...(tsConfig ? { tsConfig: { fileName: tsConfig } } : { tsConfig: undefined }),
    baseDir,
    validate: true,
    ruleSet: { forbidden: config.forbidden } as never,
  });
  const result = output as ICruiseResult;
  return (result.summary.violations as IViolation[]).map((v) => `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(' -> ')})` : ''}`);
}

describe('architecture', () => {
  it('the engine and the CLI keep the layers: no cycles, no upward imports', async () => {
    expect(await violations(['engine', 'cli'], ROOT, join(ROOT, 'tsconfig.json'))).toEqual([]);
  }, 120_000);

  it('the rules catch an upward import, a cycle, the engine importing the CLI, and the CLI bypassing the entries', async () => {
    const dir = tempDir('patchbay-arch-');
    const files: Record<string, string> = {
      'engine/core/low.ts': "import { high } from '../runtime/high.js';\nexport const low = () => high;\n",
      'engine/runtime/high.ts': 'export const high = 1;\n',
      'engine/lang/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'engine/lang/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
      'engine/run/uses-cli.ts': "import { main } from '../../cli/main.js';\nexport const x = main;\n",
      'cli/main.ts': "import { low } from '../engine/core/low.js';\nimport { entry } from '../engine/index.js';\nexport const main = [low, entry];\n",
      'engine/index.ts': 'export const entry = 1;\n',
    };
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const found = await violations(['engine', 'cli'], dir);
    expect(found).toEqual(expect.arrayContaining([
      'no-upward-from-core: engine/core/low.ts -> engine/runtime/high.ts',
      'engine-not-cli: engine/run/uses-cli.ts -> cli/main.ts',
      'cli-through-entries: cli/main.ts -> engine/core/low.ts',
    ]));
    expect(found.filter((v) => v.startsWith('cli-through-entries:'))).toHaveLength(1);
    expect(found.some((v) => v.startsWith('no-circular: engine/lang/'))).toBe(true);
  }, 60_000);
});

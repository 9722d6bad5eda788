#!/usr/bin/env node
/**
 * After `tsc`: generates the standalone manifest and meta-schema validators into
 * dist/engine/manifest/generated/, where the compiled engine looks for them. Run by
 * `npm run build` and `prepare`; the output is build output, never committed.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist/engine/manifest/generate-validators.js');
if (!existsSync(entry)) {
  process.stderr.write('build-validators: dist/ is missing; run `tsc -p tsconfig.json` first\n');
  process.exit(2);
}
const { generateValidators } = await import(pathToFileURL(entry).href);
const { DEFAULT_GENERATED_DIR } = await import(pathToFileURL(join(root, 'dist/engine/manifest/generated-validators.js')).href);
for (const file of generateValidators(DEFAULT_GENERATED_DIR)) process.stdout.write(`generated ${relative(root, file)}\n`);

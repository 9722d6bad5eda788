/**
 * Spawned by generated-validators.test.ts: validates one manifest file with the generated
 * validators in argv[2] and prints its diagnostic codes and every CommonJS file the process
 * loaded, so the test can see which libraries a `validate` run really needs.
 */
import { createRequire } from 'node:module';
import { validateFile } from '../../engine/plan/index.js';
import { manifestValidatorOrigin, useGeneratedValidators } from '../../engine/manifest/schema.js';

const [dir, file] = process.argv.slice(2);
useGeneratedValidators(dir);
const { diagnostics } = await validateFile(file);
const loaded = Object.keys(createRequire(import.meta.url).cache);
process.stdout.write(JSON.stringify({ origin: manifestValidatorOrigin(), codes: diagnostics.map((d) => d.code), loaded }));

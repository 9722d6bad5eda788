/**
 * `npm run docs`: writes docs/manifest.md from schemas/connector.schema.json and the
 * validator's diagnostic codes. The renderer is pure and exported so a test can tell when
 * the committed docs are stale.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packagePath } from './pkg.js';
import { renderManifestDocs } from './docs/render.js';

export { renderManifestDocs };

export const DOCS_FILE = 'docs/manifest.md';

/** Renders the docs from the files shipped with the package. */
export async function renderCurrentDocs(): Promise<string> {
  const schema = JSON.parse(readFileSync(packagePath('schemas/connector.schema.json'), 'utf8')) as Record<string, unknown>;
  const { DIAGNOSTIC_CODES } = await import('../engine/plan/index.js');
  return renderManifestDocs(schema, DIAGNOSTIC_CODES);
}

async function main(): Promise<void> {
  const target = packagePath(DOCS_FILE);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, await renderCurrentDocs());
  process.stdout.write(`wrote ${DOCS_FILE}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    process.stderr.write(`docs-gen: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}

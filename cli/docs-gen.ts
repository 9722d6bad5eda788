/**
 * `npm run docs`: writes docs/manifest.md from the manifest schema — the base schema plus
 * every registered component, the same one the validator uses — and the validator's
 * diagnostic codes. The renderer is pure and exported so a test can tell when the committed
 * docs are stale.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packagePath } from './pkg.js';
import { renderManifestDocs } from './docs/render.js';

export { renderManifestDocs };

export const DOCS_FILE = 'docs/manifest.md';

/** Renders the docs for the components registered in this process (the built-in ones under `npm run docs`). */
export async function renderCurrentDocs(): Promise<string> {
  const { DIAGNOSTIC_CODES, manifestSchema } = await import('../engine/index.js');
  return renderManifestDocs(manifestSchema(), DIAGNOSTIC_CODES);
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

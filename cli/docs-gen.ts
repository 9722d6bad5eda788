/**
 * `npm run docs`: writes docs/manifest.md from the manifest schema — the base schema plus
 * every registered component, the same one the validator uses — and the validator's
 * diagnostic codes; and docs/connectors/README.md, the catalog of the shipped connectors,
 * from their describe documents. The renderers are pure and exported so a test can tell when
 * the committed docs are stale.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packagePath } from './pkg.js';
import { renderManifestDocs } from './docs/render.js';
import { renderCatalog } from './docs/catalog.js';

export { renderManifestDocs, renderCatalog };

export const DOCS_FILE = 'docs/manifest.md';
export const CATALOG_FILE = 'docs/connectors/README.md';

/** Renders the docs for the components registered in this process (the built-in ones under `npm run docs`). */
export async function renderCurrentDocs(): Promise<string> {
  const { DIAGNOSTIC_CODES, manifestSchema } = await import('../engine/index.js');
  return renderManifestDocs(manifestSchema(), DIAGNOSTIC_CODES);
}

/** The catalog of the connectors in `dir` (default: the shipped ones); a connector that does not compile fails it. */
export async function renderCurrentCatalog(dir = packagePath('connectors')): Promise<string> {
  const { loadConnectors } = await import('../engine/index.js');
  const { describeConnector } = await import('../engine/platform/present/index.js');
  const { plans, diagnostics } = await loadConnectors(dir);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`connectors do not compile: ${errors.map((d) => `${d.file}:${d.line} ${d.message}`).join('; ')}`);
  return renderCatalog([...plans.values()].map(describeConnector));
}

async function write(file: string, text: string): Promise<void> {
  const target = packagePath(file);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  process.stdout.write(`wrote ${file}\n`);
}

async function main(): Promise<void> {
  await write(DOCS_FILE, await renderCurrentDocs());
  await write(CATALOG_FILE, await renderCurrentCatalog());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    process.stderr.write(`docs-gen: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}

/**
 * The manifest layer's public API: validate (diagnostics only), compile (a frozen Plan),
 * and find/load connector directories. Everything else in this folder is internal.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ConnectorError } from '../core/errors.js';
import { compileManifest } from './compile.js';
import { DIAGNOSTIC_CODES, hasErrors, sortDiagnostics, type Diagnostic } from '../manifest/diagnostics.js';
import type { Plan } from './plan.js';
import { analyze } from '../manifest/validate.js';

export type { Diagnostic, Severity } from '../manifest/diagnostics.js';
export type { Plan } from './plan.js';
export { DIAGNOSTIC_CODES };
export { parseDuration } from '../lang/durations.js';
export { getManifestSchema as manifestSchema } from '../manifest/schema.js';
export { manifestSchemaJson } from '../manifest/schema-gen.js';
export { compileAuthBlock } from './compile-auth.js';

const MANIFEST = 'connector.yaml';

/** Validates one manifest text. `manifest` (after `extends`) is returned whenever the document is a mapping. */
export function validateSource(source: string, file: string): { manifest?: Record<string, unknown>; diagnostics: Diagnostic[] } {
  const a = analyze(source, file);
  return { ...(a.manifest ? { manifest: a.manifest } : {}), diagnostics: a.diagnostics };
}

async function readSource(file: string): Promise<{ source?: string; diagnostics: Diagnostic[] }> {
  try {
    return { source: await readFile(file, 'utf8'), diagnostics: [] };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException)?.code;
    const message = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a manifest file' : `cannot read the file (${code ?? 'error'})`;
    return { diagnostics: [{ file, line: 1, column: 1, severity: 'error', code: 'read-error', message, path: '' }] };
  }
}

export async function validateFile(file: string): Promise<{ manifest?: Record<string, unknown>; diagnostics: Diagnostic[] }> {
  const { source, diagnostics } = await readSource(file);
  return source === undefined ? { diagnostics } : validateSource(source, file);
}

interface Compiled {
  plan?: Plan;
  diagnostics: Diagnostic[];
  /** Where `id` is written, for cross-manifest diagnostics. */
  idAt?: { line: number; column: number };
}

function compileWithPositions(source: string, file: string): Compiled {
  const a = analyze(source, file, { positionsNeeded: true });
  if (!a.manifest || !a.loaded || hasErrors(a.diagnostics)) return { diagnostics: a.diagnostics };
  const compiled = compileManifest(a.manifest, file, a.loaded.positions);
  return {
    ...(compiled.plan ? { plan: compiled.plan } : {}),
    diagnostics: sortDiagnostics([...a.diagnostics, ...compiled.diagnostics]),
    idAt: a.loaded.positions.locate(['id'], 'value'),
  };
}

/** Validates and compiles; `plan` only when there are no errors (warnings are fine). */
export function compileSource(source: string, file: string): { plan?: Plan; diagnostics: Diagnostic[] } {
  const { plan, diagnostics } = compileWithPositions(source, file);
  return { ...(plan ? { plan } : {}), diagnostics };
}

export async function loadPlan(file: string): Promise<{ plan?: Plan; diagnostics: Diagnostic[] }> {
  const { source, diagnostics } = await readSource(file);
  return source === undefined ? { diagnostics } : compileSource(source, file);
}

/**
 * For callers that want a plan or an exception: throws ConnectorError(config) naming the
 * first errors with their lines when the manifest does not compile.
 */
export async function requirePlan(file: string): Promise<Plan> {
  const { plan, diagnostics } = await loadPlan(file);
  if (plan) return plan;
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const shown = errors.slice(0, 5).map((d) => `${d.file}:${d.line}:${d.column} ${d.code}: ${d.message}`);
  throw new ConnectorError({
    kind: 'config', origin: 'manifest',
    message: `manifest ${file} has ${errors.length} error(s):\n${shown.join('\n')}${errors.length > shown.length ? '\n…' : ''}`,
    location: errors[0] ? { file: errors[0].file, line: errors[0].line, column: errors[0].column, path: errors[0].path } : { file },
  });
}

async function isDir(p: string): Promise<boolean | undefined> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return undefined;
  }
}

/** Directories → their `connector.yaml` and `*\/connector.yaml`; files (and unknown paths) as given. */
export async function findManifests(paths: string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const p of paths) {
    if ((await isDir(p)) !== true) {
      out.add(p);
      continue;
    }
    const own = join(p, MANIFEST);
    if ((await isDir(own)) === false) out.add(own);
    const entries = await readdir(p, { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!e.isDirectory() || e.name.startsWith('.') || e.name === 'node_modules') continue;
      const candidate = join(p, e.name, MANIFEST);
      if ((await isDir(candidate)) === false) out.add(candidate);
    }
  }
  return [...out];
}

/** Loads every connector under `dir`, keyed by id. Invalid ones are left out and explained. */
export async function loadConnectors(dir: string): Promise<{ plans: Map<string, Plan>; diagnostics: Diagnostic[] }> {
  const plans = new Map<string, Plan>();
  const diagnostics: Diagnostic[] = [];
  for (const file of await findManifests([dir])) {
    const read = await readSource(file);
    const r: Compiled = read.source === undefined ? { diagnostics: read.diagnostics } : compileWithPositions(read.source, file);
    diagnostics.push(...r.diagnostics);
    if (!r.plan) continue;
    const other = plans.get(r.plan.id);
    if (other) {
      diagnostics.push({
        file, line: r.idAt?.line ?? 1, column: r.idAt?.column ?? 1, severity: 'error', code: 'duplicate-id', path: 'id',
        message: `connector id \`${r.plan.id}\` is already used by ${basename(resolve(other.file, '..'))}/${MANIFEST}; this one is skipped`,
      });
      continue;
    }
    plans.set(r.plan.id, r.plan);
  }
  return { plans, diagnostics };
}

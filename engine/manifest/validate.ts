/**
 * Load → extends → schema → semantic checks, for one manifest text. Never throws: whatever
 * the input, the answer is a list of placed diagnostics (and the manifest when it was at
 * least a mapping), so editors and CI can always show something.
 */
import { CHECKS, type CheckContext, type Report } from './checks/index.js';
import { dotted, sortDiagnostics, typeName, type Diagnostic } from './diagnostics.js';
import { resolveExtends } from './extends.js';
import { isPlainObject } from '../core/objects.js';
import { collectFields, type Field } from './fields.js';
import { loadYaml, type Loaded, type LoadOptions } from './load.js';
import { schemaDiagnostics } from './schema-check.js';

export interface Analysis {
  loaded?: Loaded;
  /** The manifest after `extends`, when the document was a mapping. */
  manifest?: Record<string, unknown>;
  diagnostics: Diagnostic[];
}

export function analyze(source: string, file: string, options: LoadOptions = {}): Analysis {
  try {
    return sortAll(analyzeUnsafe(source, file, options));
  } catch (err) {
    // Reaching here is an engine bug; the caller still gets an answer instead of a crash.
    return { diagnostics: [{ file, line: 1, column: 1, severity: 'error', code: 'compile-error', message: `validator failed: ${String((err as Error)?.message ?? err).split('\n')[0]}`, path: '' }] };
  }
}

function sortAll(a: Analysis): Analysis {
  sortDiagnostics(a.diagnostics);
  return a;
}

function analyzeUnsafe(source: string, file: string, options: LoadOptions): Analysis {
  const loaded = loadYaml(typeof source === 'string' ? source : String(source), file, options);
  const diagnostics = [...loaded.diagnostics];
  if (loaded.value === undefined && diagnostics.some((d) => d.severity === 'error')) return { loaded, diagnostics };
  if (!isPlainObject(loaded.value)) {
    const { line, column } = loaded.positions.locate([], 'value');
    const empty = loaded.value === undefined || loaded.value === null;
    diagnostics.push({
      file, line, column, severity: 'error', code: 'not-a-mapping', path: '',
      message: empty ? 'the manifest is empty' : `the manifest must be a mapping of keys, got ${typeName(loaded.value)}`,
      hint: 'start with `patchbay: 1`, `id`, `name`, `auth` and `http`',
    });
    return { loaded, diagnostics };
  }
  const ext = resolveExtends(loaded.value, file, loaded.positions);
  const manifest = ext.manifest;
  diagnostics.push(...ext.diagnostics);
  diagnostics.push(...schemaDiagnostics(manifest, file, loaded.positions));
  runChecks(manifest, file, loaded, diagnostics);
  return { loaded, manifest, diagnostics };
}

function runChecks(manifest: Record<string, unknown>, file: string, loaded: Loaded, diagnostics: Diagnostic[]): void {
  const earlier = [...diagnostics];
  let fields: Field[] | undefined;
  for (const check of CHECKS) {
    const ctx: CheckContext = {
      file,
      manifest,
      positions: loaded.positions,
      earlier,
      get fields() {
        fields ??= collectFields(manifest);
        return fields;
      },
      report(r: Report) {
        const { line, column } = r.at ?? loaded.positions.locate(r.path, r.which ?? 'value');
        diagnostics.push({
          file, line, column, severity: r.severity ?? 'error', code: r.code, message: r.message,
          ...(r.hint ? { hint: r.hint } : {}), path: dotted(r.path),
        });
      },
    };
    try {
      check.run(ctx);
    } catch (err) {
      diagnostics.push({
        file, line: 1, column: 1, severity: 'warning', code: 'compile-error', path: '',
        message: `check ${check.name} failed on this manifest (an engine bug): ${String((err as Error)?.message ?? err).split('\n')[0]}`,
      });
    }
  }
}

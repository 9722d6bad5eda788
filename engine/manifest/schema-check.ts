/** Validates a manifest against the language schema and returns placed diagnostics. */
import type { Diagnostic } from './diagnostics.js';
import { translateAjvErrors } from './ajv-errors.js';
import type { Positions } from './positions.js';
import { getManifestValidator } from './schema.js';

export function schemaDiagnostics(manifest: Record<string, unknown>, file: string, positions: Positions): Diagnostic[] {
  const validate = getManifestValidator();
  if (validate(manifest)) return [];
  return translateAjvErrors(validate.errors ?? [], { file, positions, manifest });
}

/**
 * Where the package's own files are (schemas, shipped connectors, package.json). The engine
 * runs from sources (tsx, vitest) and from dist/, so they are found by walking up rather
 * than by a fixed relative path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const found = new Map<string, string | undefined>();

/** The nearest ancestor of `start` (inclusive) that contains `marker`. */
export function findUp(start: string, marker: string): string | undefined {
  const key = `${start}\0${marker}`;
  if (found.has(key)) return found.get(key);
  let dir = resolve(start);
  let hit: string | undefined;
  for (;;) {
    if (existsSync(join(dir, marker))) {
      hit = dir;
      break;
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  found.set(key, hit);
  return hit;
}

let root: string | undefined;

/**
 * The package's own folder (the one whose package.json is named "patchbay"), whether the
 * code runs from sources (tsx, vitest) or from dist/, installed or cloned. The name, not a
 * marker file, decides, so a host's own `schemas/` folder is never mistaken for ours.
 */
export function packageRoot(): string {
  if (root) return root;
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && packageName(pkg) === 'patchbay') return (root = dir);
    if (dirname(dir) === dir) throw new Error(`patchbay: no package.json named "patchbay" above ${here}`);
  }
}

function packageName(file: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

/** Absolute path of a file shipped with the package, e.g. `schemas/connector.schema.json`. */
export function packagePath(...parts: string[]): string {
  return resolve(packageRoot(), ...parts);
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
}

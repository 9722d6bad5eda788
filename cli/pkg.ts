/**
 * Where the installed package lives. The CLI runs from dist/cli (built) or cli/ (tsx, tests),
 * so the root is found by walking up to our own package.json rather than by a fixed `../..`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && readPackageName(candidate) === 'patchbay') return (cachedRoot = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('patchbay: cannot find the package root (package.json named "patchbay")');
    dir = parent;
  }
}

function readPackageName(file: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** Absolute path of a file shipped with the package, e.g. `schemas/connector.schema.json`. */
export function packagePath(...parts: string[]): string {
  return resolve(packageRoot(), ...parts);
}

/**
 * Where the command looks for connectors: `--connectors DIR`, else ./connectors when the
 * current directory has one (a project of its own), else the connectors shipped with the package.
 */
import { existsSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { packagePath } from './pkg.js';
import { usage } from './exit.js';

export function connectorsDir(cmd: Command): string {
  const given = cmd.optsWithGlobals().connectors as string | undefined;
  if (given !== undefined) {
    const dir = resolve(given);
    if (!isDirectory(dir)) usage(cmd, `connectors directory not found: ${given}`);
    return dir;
  }
  const local = resolve('connectors');
  return isDirectory(local) ? local : packagePath('connectors');
}

export function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** Paths as the user sees them: relative to the current directory when inside it. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), resolve(file));
  return rel === '' ? '.' : rel.startsWith('..') ? resolve(file) : rel;
}

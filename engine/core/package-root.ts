/**
 * Locates the package's own `schemas/` folder. The engine runs both from sources (tsx,
 * vitest) and from `dist/`, so the folder is found by walking up rather than by a fixed
 * relative path.
 */
import { existsSync } from 'node:fs';
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

/** Directory holding `schemas/connector.schema.json` for this engine. */
export function packageRoot(): string {
  if (root) return root;
  const here = dirname(fileURLToPath(import.meta.url));
  root = findUp(here, join('schemas', 'connector.schema.json')) ?? resolve(here, '..', '..');
  return root;
}

/**
 * A stream's `model` must name a shared model file. The models folder belongs to the
 * project holding the manifest when it has one (third-party connector packs), else to
 * this engine.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isPlainObject } from '../../core/objects.js';
import { findUp, packageRoot } from '../../core/package-root.js';
import { didYouMean } from '../suggest.js';
import type { Check } from './types.js';

const SUFFIX = '.schema.json';
const listing = new Map<string, string[]>();

function modelsDir(file: string): string {
  const root = findUp(dirname(resolve(file)), join('schemas', 'models')) ?? packageRoot();
  return join(root, 'schemas', 'models');
}

function models(dir: string): string[] {
  let names = listing.get(dir);
  if (!names) {
    names = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(SUFFIX)).map((f) => f.slice(0, -SUFFIX.length)) : [];
    listing.set(dir, names);
  }
  return names;
}

/** The unified models a manifest at `file` may name. */
export function knownModels(file: string): string[] {
  return models(modelsDir(file));
}

export const modelsCheck: Check = {
  name: 'unknown-model',
  run(ctx) {
    const streams = ctx.manifest.streams;
    if (!isPlainObject(streams)) return;
    for (const [name, s] of Object.entries(streams)) {
      if (!isPlainObject(s) || typeof s.model !== 'string') continue;
      const dir = modelsDir(ctx.file);
      const known = models(dir);
      if (known.includes(s.model)) continue;
      ctx.report({
        path: ['streams', name, 'model'], code: 'unknown-model',
        message: `model \`${s.model}\` has no schema file ${join('schemas', 'models', `${s.model}${SUFFIX}`)}`,
        hint: didYouMean(s.model, known) ?? (known.length ? `models: ${known.join(', ')}` : undefined),
      });
    }
  },
};

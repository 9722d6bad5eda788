/** Tokens and API traffic over plain http are readable on the wire; local test servers are fine. */
import type { Path } from '../diagnostics.js';
import { authKinds } from '../../components/auth/registry.js';
import { authMethods } from '../fields.js';
import { httpBlocks } from './http-blocks.js';
import type { Check } from './types.js';

/** The endpoint templates an auth method's kind declares (`token_url`, …). */
function urlFields(method: Record<string, unknown>): string[] {
  return Object.entries(authKinds.fieldsFor(method))
    .filter(([k, f]) => k.endsWith('_url') && (f.kind === 'template' || f.kind === 'secret') && !f.map)
    .map(([k]) => k);
}
const LOCAL = /^http:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\]|[^/:]*\.localhost)(?=[:/]|$)/i;

export function isInsecureUrl(url: string): boolean {
  return /^http:\/\//i.test(url) && !LOCAL.test(url);
}

export const insecureUrl: Check = {
  name: 'insecure-url',
  run(ctx) {
    const check = (path: Path, v: unknown) => {
      if (typeof v !== 'string' || !isInsecureUrl(v)) return;
      ctx.report({
        path, code: 'insecure-url', severity: 'warning',
        message: `\`${String(path[path.length - 1])}\` uses plain http://, so traffic and tokens travel unencrypted`,
        hint: 'use https://',
      });
    };
    for (const { path, method } of authMethods(ctx.manifest.auth)) for (const k of urlFields(method)) check([...path, k], method[k]);
    for (const { path, http } of httpBlocks(ctx.manifest)) check([...path, 'base_url'], http.base_url);
  },
};

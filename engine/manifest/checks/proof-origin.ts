/** `check.settings` prove accounts only when the check's origin is the provider's, not a tenant's choice. */
import { isPlainObject } from '../../core/objects.js';
import { httpBlocks } from './http-blocks.js';
import { proofHost } from '../proof-origin.js';
import type { Check } from './types.js';

export const proofOrigin: Check = {
  name: 'proof-origin',
  run(ctx) {
    const m = ctx.manifest;
    const check = isPlainObject(m.check) ? m.check : undefined;
    if (!check || !isPlainObject(check.settings) || !isPlainObject(check.request)) return;
    const blocks = new Map(httpBlocks(m).map((b) => [b.path.join('.'), b.http]));
    const url = typeof check.request.url === 'string' ? check.request.url : undefined;
    const base = blocks.get('check.http')?.base_url ?? blocks.get('http')?.base_url;
    const origin = url ?? (typeof base === 'string' ? base : undefined);
    if (origin === undefined || proofHost(origin) !== undefined) return;
    ctx.report({
      path: ['check', 'settings'],
      code: 'unprovable-settings',
      message: `\`check.settings\` route webhooks by what the check's answer says, but its origin (\`${origin}\`) can be chosen by the tenant, so any server could "prove" any account`,
      hint: 'give the check a literal https origin (`check.request.url` or `check.http.base_url`), or template only host labels in front of the provider\'s domain (`https://{{config.shop}}.example.com`)',
      which: 'key',
    });
  },
};

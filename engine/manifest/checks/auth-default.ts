import { isPlainObject } from '../../core/objects.js';
import { didYouMean } from '../suggest.js';
import type { Check } from './types.js';

/** `auth.default` must name one of `auth.methods`, or connections without a choice cannot connect. */
export const authDefault: Check = {
  name: 'unknown-auth-method',
  run(ctx) {
    const auth = ctx.manifest.auth;
    if (!isPlainObject(auth) || !isPlainObject(auth.methods) || typeof auth.default !== 'string') return;
    const names = Object.keys(auth.methods);
    if (names.includes(auth.default)) return;
    ctx.report({
      path: ['auth', 'default'], code: 'unknown-auth-method',
      message: `\`auth.default\` names method \`${auth.default}\`, which is not under \`auth.methods\``,
      hint: didYouMean(auth.default, names) ?? `methods: ${names.join(', ')}`,
    });
  },
};

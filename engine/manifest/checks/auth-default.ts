import { isPlainObject } from '../../core/objects.js';
import { didYouMean } from '../suggest.js';
import type { Check } from './types.js';

/**
 * `auth.default` and a set-up step's `auth` must name methods of `auth.methods`: a default
 * that names none leaves connections without a choice unable to connect, a step that names
 * none would silently never run.
 */
export const authDefault: Check = {
  name: 'unknown-auth-method',
  run(ctx) {
    const auth = ctx.manifest.auth;
    const names = isPlainObject(auth) && isPlainObject(auth.methods) ? Object.keys(auth.methods) : ['default'];
    const known = (name: string, path: (string | number)[], what: string) => {
      if (names.includes(name)) return;
      ctx.report({
        path, code: 'unknown-auth-method',
        message: `${what} names method \`${name}\`, which is not under \`auth.methods\``,
        hint: didYouMean(name, names) ?? `methods: ${names.join(', ')}`,
      });
    };
    if (isPlainObject(auth) && isPlainObject(auth.methods) && typeof auth.default === 'string') known(auth.default, ['auth', 'default'], '`auth.default`');
    const steps = ctx.manifest.setup;
    if (!Array.isArray(steps)) return;
    steps.forEach((step, i) => {
      if (!isPlainObject(step) || !Array.isArray(step.auth)) return;
      step.auth.forEach((name, j) => {
        if (typeof name === 'string') known(name, ['setup', i, 'auth', j], `set-up step ${typeof step.name === 'string' ? `\`${step.name}\`` : i}`);
      });
    });
  },
};

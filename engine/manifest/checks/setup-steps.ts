/**
 * The shape rules of `setup`, `teardown` and `environments` that a JSON Schema would only
 * say as an unreadable `oneOf`: a set-up step either captures callback parameters or sends a
 * request; what reads an answer needs a request; names are unique; one default environment.
 */
import { isPlainObject } from '../../core/objects.js';
import type { Check, CheckContext } from './types.js';

function steps(ctx: CheckContext, section: 'setup' | 'teardown'): void {
  const list = ctx.manifest[section];
  if (!Array.isArray(list)) return;
  const seen = new Set<string>();
  list.forEach((s, i) => {
    if (!isPlainObject(s)) return;
    const path = [section, i];
    if (typeof s.name === 'string') {
      if (seen.has(s.name)) ctx.report({ path: [...path, 'name'], code: 'setup-step', message: `step name \`${s.name}\` is used twice in \`${section}\``, hint: 'errors and pending choices name a step: make each name unique' });
      seen.add(s.name);
    }
    if (section === 'teardown') return;
    if (s.capture !== undefined && s.request !== undefined) {
      ctx.report({ path, which: 'key', code: 'setup-step', message: 'a set-up step either captures callback parameters or sends a request, not both', hint: 'split it into two steps' });
    } else if (s.capture === undefined && s.request === undefined) {
      ctx.report({ path, which: 'key', code: 'setup-step', message: 'a set-up step needs `capture` or `request`' });
    }
    if (s.request === undefined) {
      for (const k of ['choose', 'settings', 'credentials']) {
        if (s[k] !== undefined) ctx.report({ path: [...path, k], which: 'key', code: 'setup-step', message: `\`${k}\` reads a response, so the step needs a \`request\`` });
      }
    }
  });
}

export const setupSteps: Check = {
  name: 'setup-steps',
  run(ctx) {
    steps(ctx, 'setup');
    steps(ctx, 'teardown');
    const envs = ctx.manifest.environments;
    if (!isPlainObject(envs)) return;
    const defaults = Object.entries(envs).filter(([, e]) => isPlainObject(e) && e.default === true).map(([n]) => n);
    for (const n of defaults.slice(1)) {
      ctx.report({ path: ['environments', n, 'default'], code: 'setup-step', message: `environment \`${n}\` is marked default, but \`${defaults[0]}\` already is`, hint: 'mark one environment `default: true`' });
    }
  },
};

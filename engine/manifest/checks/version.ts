import type { Check } from './types.js';

export const SUPPORTED_VERSIONS: readonly unknown[] = [1];

/** Owns the `patchbay` key (the schema's const error is suppressed in favour of this one). */
export const version: Check = {
  name: 'unsupported-version',
  run(ctx) {
    const v = ctx.manifest.patchbay;
    if (v === undefined || SUPPORTED_VERSIONS.includes(v)) return;
    ctx.report({
      path: ['patchbay'], code: 'unsupported-version',
      message: `manifest language version ${JSON.stringify(v)} is not supported`,
      hint: `this engine reads \`patchbay: ${SUPPORTED_VERSIONS.join(' | ')}\``,
    });
  },
};

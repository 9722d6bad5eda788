import { isPlainObject } from '../extends.js';
import type { Check } from './types.js';

/** Without verification anyone who learns the URL can inject events. */
export const verifyNone: Check = {
  name: 'verify-none',
  run(ctx) {
    const w = ctx.manifest.webhooks;
    if (!isPlainObject(w) || !isPlainObject(w.verify) || w.verify.type !== 'none') return;
    ctx.report({
      path: ['webhooks', 'verify', 'type'], code: 'verify-none', severity: 'warning',
      message: 'webhooks are accepted without signature verification; anyone who knows the URL can send events',
      hint: 'use `hmac` or `standard_webhooks` unless the endpoint is reachable only from a trusted network',
    });
  },
};

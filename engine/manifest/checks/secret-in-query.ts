/**
 * Query strings end up in access logs, proxies and browser history; credentials belong in
 * headers. Warned, not refused, because some providers accept keys only in the query. Auth
 * kinds that can put a credential in the query say so themselves (their `check` hook).
 */
import { templateInfo } from './syntax-cache.js';
import type { Check } from './types.js';

function readsCredentials(source: string): boolean {
  return templateInfo(source).variables.some((v) => v === 'credentials' || v.startsWith('credentials.'));
}

export const secretInQuery: Check = {
  name: 'secret-in-query',
  run(ctx) {
    for (const f of ctx.fields) {
      const q = f.path.indexOf('query');
      if (f.kind !== 'template' || q < 1 || f.path[q - 1] !== 'request' || !readsCredentials(f.source)) continue;
      ctx.report({
        path: f.path, code: 'secret-in-query', severity: 'warning',
        message: 'a credential is sent as a query parameter, where logs and proxies keep it',
        hint: 'send it in a header if the provider allows',
      });
    }
  },
};

/**
 * Query strings end up in access logs, proxies and browser history; credentials belong in
 * headers. Warned, not refused, because some providers accept keys only in the query.
 */
import { templateInfo } from './syntax-cache.js';
import { authMethods } from '../fields.js';
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
    for (const { path, method } of authMethods(ctx.manifest.auth)) {
      if (method.type !== 'api_key' || method.in !== 'query') continue;
      ctx.report({
        path: [...path, 'in'], code: 'secret-in-query', severity: 'warning',
        message: 'the API key is sent as a query parameter, where logs and proxies keep it',
        hint: 'use `in: header` if the provider allows',
      });
    }
  },
};

/** `api_key`: a static key in a header or a query parameter, with an optional prefix. */
import { ConnectorError } from '../../core/errors.js';
import { liveCredential } from './common.js';
import type { AuthStrategy } from './types.js';

export const apiKeyStrategy: AuthStrategy = {
  type: 'api_key',
  async apply(req, ctx) {
    const { method } = ctx;
    const name = method.spec.name;
    if (typeof name !== 'string' || !name) {
      throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `auth method ${method.name}: api_key needs a name` });
    }
    const key = liveCredential(ctx, 'value', '{{credentials.api_key}}', 'value');
    const value = `${typeof method.spec.prefix === 'string' ? method.spec.prefix : ''}${key}`;
    ctx.addSecret?.(key);
    if (method.spec.in === 'query') req.query.push([name, value]);
    else req.headers[name.toLowerCase()] = value;
  },
};

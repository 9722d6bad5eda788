/** `api_key`: a static key in a header or a query parameter, with an optional prefix. */
import { literal, schemaOf, secret } from '../kit.js';
import { ConnectorError } from '../../core/errors.js';
import { liveCredential } from './common.js';
import { defineAuth } from './types.js';

export const apiKeyStrategy = defineAuth({
  type: 'api_key',
  description: 'A static key sent in a header or query parameter.',
  fields: {
    in: literal({ schema: schemaOf<'header' | 'query'>({ enum: ['header', 'query'] }), description: 'Where the key goes.', default: 'header' }),
    name: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Header or query parameter name, e.g. `X-API-Key` or `api_key`.', required: true }),
    value: secret({ description: 'The key; default `{{credentials.api_key}}`', default: '{{credentials.api_key}}' }),
    prefix: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Text put before the key, e.g. `Token `.' }),
  },
  summary: (m) => ({ in: typeof m.spec.in === 'string' ? m.spec.in : 'header', param: typeof m.spec.name === 'string' ? m.spec.name : undefined }),
  check(block, report) {
    // Query strings end up in access logs and proxies; some providers accept keys nowhere else.
    if (block.in !== 'query') return;
    report({
      path: ['in'], code: 'secret-in-query', severity: 'warning',
      message: 'the API key is sent as a query parameter, where logs and proxies keep it',
      hint: 'use `in: header` if the provider allows',
    });
  },
  async apply(req, ctx) {
    const { method } = ctx;
    const name = method.spec.name;
    if (typeof name !== 'string' || !name) {
      throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `auth method ${method.name}: api_key needs a name` });
    }
    const key = liveCredential(ctx, 'value', 'value');
    const value = `${typeof method.spec.prefix === 'string' ? method.spec.prefix : ''}${key}`;
    ctx.addSecret?.(key);
    if (method.spec.in === 'query') req.query.push([name, value]);
    else req.headers[name.toLowerCase()] = value;
  },
});

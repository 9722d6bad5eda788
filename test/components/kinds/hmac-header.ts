/**
 * `hmac_header` auth, written as a host would: each request carries an HMAC-SHA256 of its
 * method and path, keyed with a credential, in a header. One file is the whole kind.
 */
import { createHmac } from 'node:crypto';
import { defineAuth, literal, liveCredential, schemaOf, secret } from '../../../engine/index.js';

export const hmacHeader = defineAuth({
  type: 'hmac_header',
  description: 'Signs each request: HMAC-SHA256 of `METHOD /path`, hex, in a header.',
  fields: {
    key: secret({ description: 'The signing key; default `{{credentials.signing_key}}`', default: '{{credentials.signing_key}}' }),
    header: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Header carrying the signature; default `X-Signature`.', default: 'X-Signature' }),
  },
  summary: (m) => ({ header: String(m.spec.header) }),
  async apply(req, ctx) {
    const key = liveCredential(ctx, 'key', 'signing key');
    ctx.addSecret?.(key);
    const header = String(ctx.method.spec.header).toLowerCase();
    req.headers[header] = signature(key, req.method, new URL(req.url).pathname);
  },
});

export function signature(key: string, method: string, path: string): string {
  return createHmac('sha256', key).update(`${method} ${path}`).digest('hex');
}

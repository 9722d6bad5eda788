/** `bearer`: a static token in `Authorization: Bearer …` (header and scheme configurable). */
import { literal, schemaOf, secret } from '../kit.js';
import { AUTH_REQUEST_ROOTS, liveCredential, putToken } from './common.js';
import { defineAuth } from './types.js';

export const bearerStrategy = defineAuth({
  type: 'bearer',
  description: 'A static token sent as `Authorization: Bearer <token>`.',
  fields: {
    token: secret({ description: 'The token; default `{{credentials.token}}`. May read the operator\'s connector secrets as `secrets.*`.', default: '{{credentials.token}}', roots: AUTH_REQUEST_ROOTS, context: 'auth' }),
    header: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Header name; default `Authorization`.' }),
    scheme: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Scheme word before the token; default `Bearer`. Empty string sends the bare token.' }),
  },
  summary: (m) => ({ header: typeof m.spec.header === 'string' ? m.spec.header : undefined, scheme: typeof m.spec.scheme === 'string' ? m.spec.scheme : undefined }),
  async apply(req, ctx) {
    const token = liveCredential(ctx, 'token', 'token');
    ctx.addSecret?.(token);
    putToken(req, ctx.method, token);
  },
});

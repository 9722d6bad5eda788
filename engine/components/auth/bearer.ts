/** `bearer`: a static token in `Authorization: Bearer …` (header and scheme configurable). */
import { literal, schemaOf, secret } from '../kit.js';
import { ConnectorError } from '../../core/errors.js';
import { liveContext, liveCredential, methodTemplate, putToken } from './common.js';
import { defineAuth } from './types.js';

export const bearerStrategy = defineAuth({
  type: 'bearer',
  description: 'A static token sent as `Authorization: Bearer <token>`.',
  fields: {
    token: secret({ description: 'The token; default `{{credentials.token}}`', default: '{{credentials.token}}' }),
    header: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Header name; default `Authorization`.' }),
    scheme: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Scheme word before the token; default `Bearer`. Empty string sends the bare token.' }),
    query: secret({
      map: true,
      description: 'Query parameters derived from the credentials, sent with every request besides the token (redacted like it), e.g. a token proof `appsecret_proof: "{{hmac_sha256 credentials.app_secret credentials.access_token}}"`. A value that renders empty is not sent.',
    }),
  },
  summary: (m) => ({ header: typeof m.spec.header === 'string' ? m.spec.header : undefined, scheme: typeof m.spec.scheme === 'string' ? m.spec.scheme : undefined }),
  async apply(req, ctx) {
    const token = liveCredential(ctx, 'token', 'token');
    ctx.addSecret?.(token);
    putToken(req, ctx.method, token);
    const extra = ctx.method.spec.query;
    if (!extra || typeof extra !== 'object') return;
    const tctx = liveContext(ctx);
    for (const name of Object.keys(extra)) {
      const t = methodTemplate(ctx.method, `query.${name}`);
      if (!t) continue;
      let value: string;
      try {
        value = t.render(tctx);
      } catch (err) {
        throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `auth method ${ctx.method.name}: query.${name} template failed: ${(err as Error).message}` });
      }
      if (value === '') continue;
      ctx.addSecret?.(value);
      req.query.push([name, value]);
    }
  },
});

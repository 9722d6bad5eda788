/** `basic`: HTTP Basic with username and password templates (an empty password is allowed). */
import { secret } from '../kit.js';
import { ConnectorError } from '../../core/errors.js';
import { declaredTemplate, liveContext, renderCredential } from './common.js';
import { defineAuth } from './types.js';

export const basicStrategy = defineAuth({
  type: 'basic',
  description: 'HTTP Basic authentication.',
  fields: {
    username: secret({ description: 'User name; default `{{credentials.username}}`', default: '{{credentials.username}}' }),
    password: secret({ description: 'Password; default `{{credentials.password}}`', default: '{{credentials.password}}' }),
  },
  async apply(req, ctx) {
    const { method } = ctx;
    const tctx = liveContext(ctx);
    const username = renderCredential(declaredTemplate(method, 'username'), tctx, 'username', method);
    let password: string;
    try {
      password = declaredTemplate(method, 'password').render(tctx);
    } catch (err) {
      throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `auth method ${method.name}: password template failed: ${(err as Error).message}` });
    }
    const encoded = Buffer.from(`${username}:${password}`).toString('base64');
    ctx.addSecret?.(encoded);
    req.headers.authorization = `Basic ${encoded}`;
  },
});

/** `basic`: HTTP Basic with username and password templates (an empty password is allowed). */
import { ConnectorError } from '../../core/errors.js';
import { liveContext, methodTemplate, renderCredential } from './common.js';
import type { AuthStrategy } from './types.js';

export const basicStrategy: AuthStrategy = {
  type: 'basic',
  async apply(req, ctx) {
    const { method } = ctx;
    const tctx = liveContext(ctx);
    const username = renderCredential(methodTemplate(method, 'username', '{{credentials.username}}')!, tctx, 'username', method);
    let password: string;
    try {
      password = methodTemplate(method, 'password', '{{credentials.password}}')!.render(tctx);
    } catch (err) {
      throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `auth method ${method.name}: password template failed: ${(err as Error).message}` });
    }
    const encoded = Buffer.from(`${username}:${password}`).toString('base64');
    ctx.addSecret?.(encoded);
    req.headers.authorization = `Basic ${encoded}`;
  },
};

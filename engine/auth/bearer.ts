/** `bearer`: a static token in `Authorization: Bearer …` (header and scheme configurable). */
import { liveContext, methodTemplate, putToken, renderCredential } from './common.js';
import type { AuthStrategy } from './types.js';

export const bearerStrategy: AuthStrategy = {
  type: 'bearer',
  async apply(req, ctx) {
    const token = renderCredential(methodTemplate(ctx.method, 'token', '{{credentials.token}}')!, liveContext(ctx), 'token', ctx.method);
    ctx.addSecret?.(token);
    putToken(req, ctx.method, token);
  },
};

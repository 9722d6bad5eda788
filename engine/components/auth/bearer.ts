/** `bearer`: a static token in `Authorization: Bearer …` (header and scheme configurable). */
import { liveCredential, putToken } from './common.js';
import type { AuthStrategy } from './types.js';

export const bearerStrategy: AuthStrategy = {
  type: 'bearer',
  async apply(req, ctx) {
    const token = liveCredential(ctx, 'token', '{{credentials.token}}', 'token');
    ctx.addSecret?.(token);
    putToken(req, ctx.method, token);
  },
};

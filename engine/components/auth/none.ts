/** `none`: the request goes out as rendered. */
import type { AuthStrategy } from './types.js';

export const noneStrategy: AuthStrategy = {
  type: 'none',
  async apply() {},
};

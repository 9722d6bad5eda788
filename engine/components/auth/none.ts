/** `none`: the request goes out as rendered. */
import { defineAuth } from './types.js';

export const noneStrategy = defineAuth({
  type: 'none',
  description: 'No authentication.',
  fields: {},
  async apply() {},
});

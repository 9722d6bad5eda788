/** No verification: for endpoints reachable only from a trusted network (the validator warns). */
import { defineVerifier, type VerifyPlanBase } from './protocol.js';

export interface NoneVerify extends VerifyPlanBase {
  type: 'none';
}

export const noneVerifier = defineVerifier<NoneVerify>({
  type: 'none',
  description: 'No verification (only for trusted networks; the validator warns).',
  shared: false,
  check(_block, report) {
    report({
      path: ['type'], code: 'verify-none', severity: 'warning',
      message: 'webhooks are accepted without signature verification; anyone who knows the URL can send events',
      hint: 'use `hmac` or `standard_webhooks` unless the endpoint is reachable only from a trusted network',
    });
  },
  verify: () => ({ ok: true }),
});

/**
 * A verification kind as a host writes one, through the package entry only: the sender puts
 * the shared secret itself in a header (some internal systems do). Compared in constant time.
 */
import { timingSafeEqual } from 'node:crypto';
import { defineVerifier, literal, schemaOf, type VerifyPlanBase } from '../../../engine/index.js';

export interface SharedTokenVerify extends VerifyPlanBase {
  type: 'shared_token';
  header: string;
}

export const sharedToken = defineVerifier({
  type: 'shared_token',
  description: 'The shared secret itself, sent in a header.',
  requires: ['secret'],
  fields: {
    header: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Header holding the token.', required: true, normalize: (v) => String(v).toLowerCase() }),
  },
  compile: (f) => ({ header: f.header }),
  summary: (spec: SharedTokenVerify) => ({ signature_header: spec.header }),
  verify(spec: SharedTokenVerify, input) {
    const want = spec.secret?.render(input.connection) ?? '';
    if (want === '') return { ok: false, reason: 'no_secret' };
    const got = input.headers[spec.header];
    if (!got) return { ok: false, reason: 'missing_signature' };
    const [a, b] = [Buffer.from(got), Buffer.from(want)];
    return a.length === b.length && timingSafeEqual(a, b) ? { ok: true } : { ok: false, reason: 'bad_signature' };
  },
});

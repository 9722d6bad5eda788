/** Fresh signing secrets, in the text forms webhook schemes read them. */
import { randomBytes } from 'node:crypto';

/**
 * `bytes` random bytes as `whsec_<base64>` (Standard Webhooks), plain base64, or, for
 * schemes that use the secret's text as the HMAC key (`utf8`), hex, which survives any
 * header, form or dashboard a user pastes it into.
 */
export function generateSecret(encoding: 'whsec' | 'base64' | 'utf8' = 'whsec', bytes = 32): string {
  const key = randomBytes(bytes);
  if (encoding === 'whsec') return `whsec_${key.toString('base64')}`;
  if (encoding === 'base64') return key.toString('base64');
  return key.toString('hex');
}

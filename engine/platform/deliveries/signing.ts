/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the secret is
 * `whsec_<base64 key>`, the signature HMAC-SHA256 over `<id>.<timestamp>.<body>` with the
 * decoded key, so any receiver using a Standard Webhooks library verifies us unchanged.
 */
import { createHmac } from 'node:crypto';
import { ConnectorError } from '../../core/errors.js';

const PREFIX = 'whsec_';

/** 24 random bytes, as Svix and the reference libraries generate. */
export const SIGNING_SECRET_BYTES = 24;

export function secretKey(secret: string): Buffer {
  if (!secret.startsWith(PREFIX)) throw new ConnectorError({ kind: 'config', origin: 'caller', message: 'a delivery signing secret must start with whsec_' });
  return Buffer.from(secret.slice(PREFIX.length), 'base64');
}

export function signature(key: Buffer, id: string, timestampSec: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSec}.${body}`).digest('base64')}`;
}

export function signedHeaders(key: Buffer, id: string, timestampSec: number, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': signature(key, id, timestampSec, body),
  };
}

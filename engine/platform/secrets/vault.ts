/**
 * Envelope encryption for values at rest: AES-256-GCM with a fresh 96-bit IV per value.
 * Sealed form: `pbv1.<kid>.<iv>.<tag>.<ciphertext>` (base64url parts), so each value names
 * the key that opens it and rotation can proceed row by row. An optional context (e.g. the
 * table, column and row id) is bound as associated data: a sealed value copied into another
 * row or tenant then fails to open instead of leaking there.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConnectorError } from '../../core/errors.js';
import type { KeyRing } from './keyring.js';

const PREFIX = 'pbv1';
/**
 * GCM accepts any tag of 4–16 bytes unless told its length, and a 4-byte tag can be forged in
 * about 2^32 tries. Both sides pin the full 16 bytes; a shorter stored tag is refused before
 * decryption is attempted.
 */
const TAG_BYTES = 16;

export interface Vault {
  readonly currentKeyId: string;
  seal(plaintext: string, context?: string): string;
  open(sealed: string, context?: string): string;
  sealJson(value: unknown, context?: string): string;
  openJson<T = unknown>(sealed: string, context?: string): T;
  /** Key id a sealed value was sealed under (undefined when not a sealed value). */
  keyIdOf(sealed: string): string | undefined;
  isSealed(value: unknown): value is string;
}

export function createVault(ring: KeyRing): Vault {
  const b64 = (b: Buffer) => b.toString('base64url');

  const seal = (plaintext: string, context?: string): string => {
    // One read of `current` per seal: the id written out must be the key actually used.
    const { id, key } = ring.current;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    if (context !== undefined) cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [PREFIX, id, b64(iv), b64(cipher.getAuthTag()), b64(ct)].join('.');
  };

  const parse = (sealed: string) => {
    const parts = typeof sealed === 'string' ? sealed.split('.') : [];
    if (parts.length !== 5 || parts[0] !== PREFIX) return undefined;
    return { kid: parts[1], iv: parts[2], tag: parts[3], ct: parts[4] };
  };

  const open = (sealed: string, context?: string): string => {
    const p = parse(sealed);
    if (!p) throw new ConnectorError({ kind: 'internal', origin: 'internal', message: 'value is not a sealed secret (expected pbv1.…)' });
    const k = ring.get(p.kid);
    if (!k) {
      throw new ConnectorError({
        kind: 'config', origin: 'caller',
        code: 'sealed_key_unknown',
        message: `secret sealed under key "${p.kid}", which is not in the key ring (known: ${ring.ids().join(', ')})`,
      });
    }
    const tag = Buffer.from(p.tag, 'base64url');
    if (tag.length !== TAG_BYTES) {
      throw new ConnectorError({
        kind: 'config', origin: 'connection',
        code: 'sealed_tag_invalid',
        message: `sealed secret under key "${p.kid}" has a ${tag.length}-byte authentication tag; ${TAG_BYTES} bytes are required`,
      });
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', k.key, Buffer.from(p.iv, 'base64url'), { authTagLength: TAG_BYTES });
      if (context !== undefined) decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(p.ct, 'base64url')), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new ConnectorError({
        kind: 'config', origin: 'connection',
        code: 'sealed_auth_failed',
        message: `sealed secret under key "${p.kid}" failed authentication (tampered, moved from another row, or wrong key)`,
        cause: err,
      });
    }
  };

  return {
    get currentKeyId() {
      return ring.current.id;
    },
    seal,
    open,
    sealJson: (value, context) => seal(JSON.stringify(value ?? null), context),
    openJson: <T>(sealed: string, context?: string) => JSON.parse(open(sealed, context)) as T,
    keyIdOf: (sealed) => parse(sealed)?.kid,
    isSealed: (value): value is string => typeof value === 'string' && parse(value) !== undefined,
  };
}

/**
 * The key ring: named AES-256 keys, the first one current. Old keys stay readable so values
 * sealed under them open until `rotate()` has re-sealed them.
 */
import { ConnectorError } from '../../core/errors.js';

export interface SecretKey {
  id: string;
  key: Buffer;
}

export interface KeyRing {
  /**
   * The key to seal with, read afresh for every seal: a live ring (live-ring.ts) may have
   * moved on, so nothing may keep it.
   */
  readonly current: SecretKey;
  /** A live ring may re-read its source before answering undefined. */
  get(id: string): SecretKey | undefined;
  ids(): string[];
}

const KID = /^[A-Za-z0-9_-]{1,64}$/;

export function makeKeyRing(keys: SecretKey[]): KeyRing {
  if (keys.length === 0) throw new ConnectorError({ kind: 'config', origin: 'caller', message: 'the secret key ring is empty' });
  const byId = new Map<string, SecretKey>();
  for (const k of keys) {
    if (byId.has(k.id)) throw new ConnectorError({ kind: 'config', origin: 'caller', message: `secret key id "${k.id}" appears twice` });
    byId.set(k.id, k);
  }
  return { current: keys[0], get: (id) => byId.get(id), ids: () => [...byId.keys()] };
}

/**
 * Parses `kid:base64key[,kid:base64key…]`. Errors name the entry by position and key id,
 * never echo key material.
 */
export function parseKeyList(list: string, source = 'PATCHBAY_SECRET_KEYS'): SecretKey[] {
  const entries = list.split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) throw new ConnectorError({ kind: 'config', origin: 'caller', message: `${source} holds no keys` });
  return entries.map((entry, i) => {
    const sep = entry.indexOf(':');
    const id = sep > 0 ? entry.slice(0, sep) : '';
    if (!KID.test(id)) {
      throw new ConnectorError({
        kind: 'config', origin: 'caller',
        message: `${source} entry ${i + 1}: expected kid:base64key with a key id of letters, digits, _ or -`,
      });
    }
    const key = Buffer.from(entry.slice(sep + 1), 'base64');
    if (key.length !== 32) {
      throw new ConnectorError({
        kind: 'config', origin: 'caller',
        message: `${source} key "${id}" must be 32 bytes (base64), got ${key.length}`,
      });
    }
    return { id, key };
  });
}

export function formatKey(k: SecretKey): string {
  return `${k.id}:${k.key.toString('base64')}`;
}

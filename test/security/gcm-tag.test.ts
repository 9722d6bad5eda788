/**
 * Item 19: AES-256-GCM accepts a tag shorter than 16 bytes unless told its length, and a
 * 4-byte tag leaves 2^32 forgeries per attempt. The vault must refuse any tag that is not
 * the full 16 bytes, with its own error rather than a generic authentication failure.
 */
import { describe, expect, it } from 'vitest';
import { createVault, makeKeyRing, parseKeyList } from '../../engine/platform/secrets/index.js';
import { ConnectorError } from '../../engine/core/errors.js';
import { KEY_A } from '../store/databases.js';

const vault = createVault(makeKeyRing(parseKeyList(KEY_A)));

function withTag(sealed: string, bytes: number): string {
  const parts = sealed.split('.');
  parts[3] = Buffer.from(parts[3], 'base64url').subarray(0, bytes).toString('base64url');
  return parts.join('.');
}

function openError(sealed: string, context?: string): ConnectorError {
  try {
    vault.open(sealed, context);
  } catch (err) {
    return err as ConnectorError;
  }
  throw new Error('the value opened');
}

describe('sealed values need the full 16-byte GCM tag', () => {
  it('seals with a 16-byte tag and opens it', () => {
    const sealed = vault.seal('sk_live_canary', 'connections.credentials.c1');
    expect(Buffer.from(sealed.split('.')[3], 'base64url')).toHaveLength(16);
    expect(vault.open(sealed, 'connections.credentials.c1')).toBe('sk_live_canary');
  });

  it.each([4, 8, 12, 15])('refuses a tag truncated to %i bytes', (bytes) => {
    const sealed = vault.seal('sk_live_canary', 'connections.credentials.c1');
    const err = openError(withTag(sealed, bytes), 'connections.credentials.c1');
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ kind: 'config', code: 'sealed_tag_invalid' });
    expect(err.message).toBe(`sealed secret under key "ka" has a ${bytes}-byte authentication tag; 16 bytes are required`);
    expect(err.message).not.toContain('sk_live_canary');
  });

  it('refuses a tag longer than 16 bytes and an empty one', () => {
    const sealed = vault.seal('x', 'ctx');
    const parts = sealed.split('.');
    const long = [...parts.slice(0, 3), Buffer.concat([Buffer.from(parts[3], 'base64url'), Buffer.alloc(1)]).toString('base64url'), parts[4]].join('.');
    expect(openError(long, 'ctx')).toMatchObject({ code: 'sealed_tag_invalid' });
    expect(openError(withTag(sealed, 0), 'ctx')).toMatchObject({ code: 'sealed_tag_invalid' });
  });
});

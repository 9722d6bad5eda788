import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../../engine/lang/template.js';

const ctx = { config: {}, credentials: { access_token: 'tok-123', app_secret: 's3cret' }, settings: {} };

describe('hmac_sha256 template helper', () => {
  it('renders the hex HMAC-SHA256 of the value keyed by the key', () => {
    const want = createHmac('sha256', 's3cret').update('tok-123').digest('hex');
    expect(compileTemplate('{{hmac_sha256 credentials.app_secret credentials.access_token}}').render(ctx)).toBe(want);
    expect(want).toMatch(/^[0-9a-f]{64}$/);
  });
  it('matches a known vector (RFC 4231 style key/data)', () => {
    expect(compileTemplate('{{hmac_sha256 "key" "The quick brown fox jumps over the lazy dog"}}').render(ctx)).toBe(
      'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    );
  });
  it('works in a query template', () => {
    const url = compileTemplate('/me?appsecret_proof={{hmac_sha256 credentials.app_secret credentials.access_token}}', 'url');
    expect(url.render(ctx)).toContain(createHmac('sha256', 's3cret').update('tok-123').digest('hex'));
  });
  it('refuses a call with one argument, without echoing it', () => {
    expect(() => compileTemplate('{{hmac_sha256 credentials.app_secret}}').render(ctx)).toThrow(/two arguments/);
    try {
      compileTemplate('{{hmac_sha256 credentials.app_secret}}').render(ctx);
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('s3cret');
    }
  });
});

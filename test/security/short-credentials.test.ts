/**
 * A credential is redacted whatever its length. Values of four characters and more are
 * replaced wherever they occur; shorter ones wherever they stand as a token of their own,
 * which is how providers echo them (`invalid key: abc`), so ordinary words that merely
 * contain them (`abcdef`) are left readable.
 */
import { describe, expect, it } from 'vitest';
import { redact } from '../../engine/core/redact.js';
import { compile, engineOverServer, failure } from '../engine/helpers.js';

const MANIFEST = `
patchbay: 1
id: echoer
name: Echoer
auth: { type: bearer }
http:
  base_url: http://unused.invalid
  retry: { max_attempts: 1 }
  errors: { message: message }
actions:
  whoami:
    request: { path: /me }
`;

describe('short credentials', () => {
  const fx = engineOverServer(() => new Map([['echoer', compile(MANIFEST, '/virtual/connectors/echoer/connector.yaml')]]));

  it('a provider echoing a 3-character token in its error never shows it to the caller', async () => {
    const e = await fx.setup((req) => ({ status: 401, body: { message: `invalid token ${String(req.headers.authorization).slice(7)} for abcdef-workspace` } }));
    const err = await failure(e.call({ connector: 'echoer', id: 'c1', credentials: { token: 'abc' }, baseUrl: fx.server.url }, 'whoami'));
    // What was sent is the real token; what comes back has it blanked.
    expect(fx.server.seen[0].headers.authorization).toBe('Bearer abc');
    const shown = JSON.stringify(err);
    expect(shown).not.toMatch(/(?<![A-Za-z0-9])abc(?![A-Za-z0-9])/);
    expect(err.message).toContain('[REDACTED]');
    expect(shown).toContain('abcdef-workspace');
  });

  it('redacts a 1- and 2-character value as a token, and keeps it inside words', () => {
    expect(redact('key=x&user=bob&text=xylophone', ['x'])).toBe('key=[REDACTED]&user=bob&text=xylophone');
    expect(redact('"pw":"ab" (ab) tab abc', ['ab'])).toBe('"pw":"[REDACTED]" ([REDACTED]) tab abc');
    expect(redact('regex (.*) chars', ['.*'])).toBe('regex ([REDACTED]) chars');
    // An end that is punctuation needs no boundary beside it; a letter end still does (`!xz`).
    expect(redact('a!x! y!xz', ['!x'])).toBe('a[REDACTED]! y!xz');
  });
});

/**
 * `oauth:` cases: the platform's own consent flow runs with the manifest's token URL on the
 * scripted server (the provider is never called), so a case asserts the authorize URL, the
 * code exchange request and what the connection stores, and an operation case with an
 * expired token asserts its refresh the same way.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runConnectorTests } from '../../engine/testing/index.js';
import type { CaseResult } from '../../engine/testing/index.js';
import { WIDGETS_MANIFEST, writeWidgets, type TempConnectors } from './fixtures.js';

let temp: TempConnectors | undefined;
afterEach(async () => {
  await temp?.cleanup();
  temp = undefined;
});

const MANIFEST = WIDGETS_MANIFEST.replace('auth:\n  type: bearer\n', `auth:
  default: oauth
  methods:
    oauth:
      type: oauth2
      authorize_url: https://auth.widgets.invalid/authorize
      token_url: https://auth.widgets.invalid/oauth/token
      scopes: [read, write]
      client_auth: body
`);

async function run(cases: string): Promise<CaseResult> {
  temp = await writeWidgets(`cases:\n${cases}`, MANIFEST);
  const results = await runConnectorTests(temp.dir);
  expect(results).toHaveLength(1);
  return results[0];
}

const TOKEN = (body: string) => `
      - request:
          method: POST
          path: /oauth/token
          form:
            grant_type: authorization_code
            code: c0de
            redirect_uri: https://patchbay.example.com/v1/oauth/callback
            code_verifier: { present: true }
            client_id: app-1
            client_secret: app-secret
        response:
          body: ${body}`;

const CHECK = `
      - request: { method: GET, path: /me, headers: { Authorization: Bearer at-1 } }
        response: { body: { login: w } }`;

const CONSENT = (expect: string, exchanges = `${TOKEN('{ access_token: at-1, refresh_token: rt-1, expires_in: 3600, token_type: bearer }')}${CHECK}`) => `
  - name: consent
    oauth:
      app: { client_id: app-1, client_secret: app-secret }
      callback: { code: c0de }
    exchanges:${exchanges}
    expect:
${expect}`;

describe('oauth consent cases', () => {
  it('asserts the authorize URL, exchanges the code on the scripted server and reads the stored tokens', async () => {
    const r = await run(CONSENT(`      authorize_url:
        origin: https://auth.widgets.invalid
        path: /authorize
        query:
          response_type: code
          client_id: app-1
          redirect_uri: https://patchbay.example.com/v1/oauth/callback
          scope: read write
          state: { present: true }
          code_challenge: { present: true }
          code_challenge_method: S256
      consent: { status: success }
      credentials: { access_token: at-1, refresh_token: rt-1, expires_at: { present: true } }`));
    expect(r.failures).toEqual([]);
  });

  it('names every authorize URL difference: origin, path, a parameter unexpected, one missing, one different', async () => {
    const r = await run(CONSENT(`      authorize_url:
        origin: https://login.widgets.invalid
        path: /oauth/authorize
        query:
          response_type: code
          client_id: app-1
          redirect_uri: https://patchbay.example.com/v1/oauth/callback
          scope: read
          state: { present: true }
          prompt: consent
          code_challenge_method: S256`));
    expect(r.failures).toEqual([
      'authorize_url.origin: expected "https://login.widgets.invalid", got "https://auth.widgets.invalid"',
      'authorize_url.path: expected "/oauth/authorize", got "/authorize"',
      'authorize_url.query.scope: expected "read", got "read write"',
      'authorize_url.query.prompt: expected "consent", got (absent)',
      expect.stringMatching(/^authorize_url\.query\.code_challenge: not expected, got "[A-Za-z0-9_-]{43}"$/),
    ]);
  });

  it('a token endpoint refusal ends the consent with exchange_failed and the provider\'s words', async () => {
    const r = await run(CONSENT('      consent: { status: error, error: exchange_failed, error_description_contains: invalid_grant }', `
      - request: { method: POST, path: /oauth/token, form: { grant_type: authorization_code, code: c0de, redirect_uri: "https://patchbay.example.com/v1/oauth/callback", code_verifier: { present: true }, client_id: app-1, client_secret: app-secret } }
        response: { status: 400, body: { error: invalid_grant, error_description: the code expired } }`));
    expect(r.failures).toEqual([]);
  });

  it('an unexpected consent failure fails a case that expects none', async () => {
    const r = await run(CONSENT('      credentials: { access_token: at-1 }', `
      - request: { method: POST, path: /oauth/token, form: { grant_type: authorization_code, code: c0de, redirect_uri: "https://patchbay.example.com/v1/oauth/callback", code_verifier: { present: true }, client_id: app-1, client_secret: app-secret } }
        response: { status: 400, body: { error: invalid_grant } }`));
    expect(r.failures[0]).toMatch(/^the consent ended with error \(exchange_failed: /);
    expect(r.failures[1]).toBe('credentials.access_token: expected "at-1", got (absent)');
  });

  it('an expired token in an operation case is refreshed at the token URL, on the scripted server', async () => {
    const r = await run(`
  - name: refresh before the check
    check: true
    credentials: { access_token: old, refresh_token: rt-1, expires_at: 1700000000000, client_id: app-1, client_secret: app-secret }
    exchanges:
      - request: { method: POST, path: /oauth/token, form: { grant_type: refresh_token, refresh_token: rt-1, client_id: app-1, client_secret: app-secret } }
        response: { body: { access_token: at-2, expires_in: 3600, token_type: bearer } }
      - request: { method: GET, path: /me, headers: { Authorization: Bearer at-2 } }
        response: { body: { login: w } }
    expect:
      output: { account: w }
      credentials: { access_token: at-2, refresh_token: rt-1 }
`);
    expect(r.failures).toEqual([]);
  });
});

import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAuthStrategy } from '../../engine/components/auth/registry.js';
import { createHttpClient } from '../../engine/run/http/client.js';
import { executeRequest } from '../../engine/run/http/execute.js';
import type { Connection } from '../../engine/core/wire.js';
import { createLogger } from '../../engine/core/log.js';
import type { PlanAuthMethod } from '../../engine/plan/plan.js';
import { collectSecrets, redact, redactUrl, SecretSet } from '../../engine/core/redact.js';
import { authContext, compileAuthMethod, compileHttp } from '../helpers/compiled.js';
import { startServer, type TestServer } from '../http/server.js';

const lines: string[] = [];
const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
const logger = createLogger({ level: 'trace', destination: sink });
const client = createHttpClient({ logger });

let apiServer: TestServer;
let tokenServer: TestServer;
beforeAll(async () => {
  // The API echoes whatever credentials it got into its answers, as careless providers do.
  apiServer = await startServer((r) => {
    const echo = `auth=${r.headers.authorization ?? ''} key=${r.headers['x-api-key'] ?? ''} url=${r.rawUrl}`;
    if (r.path === '/ok') return { headers: { 'x-echo': echo }, body: { ok: true, echo } };
    if (r.path === '/flaky') return { status: 503, body: { message: echo } };
    return { status: 401, body: { error: { message: echo, code: String(r.headers.authorization ?? 'none') } } };
  });
  tokenServer = await startServer((r) => (r.rawBody.includes('client_credentials')
    ? { body: { access_token: 'CANARY-cc-token-5551', expires_in: 3600 } }
    : { body: { access_token: 'CANARY-refreshed-5552', refresh_token: 'CANARY-rotated-5553', expires_in: 3600 } }));
});
afterAll(async () => { await apiServer.close(); await tokenServer.close(); client.close(); });

/** A key in the query is what these tests are about: the validator's warning is expected. */
const queryKey = { allowWarnings: ['secret-in-query'] };

const cases: Array<{ name: string; method: () => PlanAuthMethod; credentials: Record<string, unknown> }> = [
  { name: 'api_key header', method: () => compileAuthMethod({ type: 'api_key', name: 'X-API-Key' }), credentials: { api_key: 'CANARY-key-1001' } },
  { name: 'api_key query', method: () => compileAuthMethod({ type: 'api_key', in: 'query', name: 'api_key' }, queryKey), credentials: { api_key: 'CANARY-qkey-1002' } },
  { name: 'basic', method: () => compileAuthMethod({ type: 'basic' }), credentials: { username: 'canary-user', password: 'CANARY-pass-1003' } },
  { name: 'bearer', method: () => compileAuthMethod({ type: 'bearer' }), credentials: { token: 'CANARY-bearer-1004' } },
  {
    name: 'oauth2 refresh', method: () => compileAuthMethod({ type: 'oauth2', token_url: `${tokenServer.url}/token` }),
    credentials: { access_token: 'CANARY-access-1005', refresh_token: 'CANARY-refresh-1006', client_id: 'cid', client_secret: 'CANARY-csecret-1007' },
  },
  {
    name: 'oauth2 client_credentials', method: () => compileAuthMethod({ type: 'oauth2', grant: 'client_credentials', token_url: `${tokenServer.url}/token` }),
    credentials: { client_id: 'cid2', client_secret: 'CANARY-csecret-1008' },
  },
];

const CANARY = /canary/i;
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('no secret reaches a log line or an error', () => {
  for (const c of cases) {
    it(c.name, async () => {
      lines.length = 0;
      const method = c.method();
      const errors: unknown[] = [];
      for (const path of ['/ok', '/denied', '/flaky']) {
        const conn: Connection = { connector: 'demo', id: `${c.name}-${path}`, credentials: { ...c.credentials } };
        try {
          await executeRequest({ method: 'GET', url: `${apiServer.url}${path}`, query: [['page', '1']], headers: {}, bodyFormat: 'none' }, {
            http: compileHttp({ retry: { max_attempts: 2, backoff: { initial: '5ms', max: '20ms' } } }), auth: { strategy: getAuthStrategy(method.type), ctx: authContext(method, conn, client) },
            client, limiterKey: 'k', connector: 'demo', operation: 'action:probe', logger,
          });
        } catch (err) {
          errors.push(err);
        }
      }
      expect(errors).toHaveLength(2);
      expect(lines.length).toBeGreaterThanOrEqual(4);
      const forms = [b64('canary-user:CANARY-pass-1003')];
      for (const line of lines) {
        expect(line).not.toMatch(CANARY);
        for (const f of forms) expect(line).not.toContain(f);
      }
      for (const err of errors as Error[]) {
        const json = JSON.stringify(err);
        expect(err.message).not.toMatch(CANARY);
        expect(json).not.toMatch(CANARY);
        for (const f of forms) expect(json).not.toContain(f);
        expect(String((err as { cause?: Error }).cause?.message ?? '')).not.toMatch(CANARY);
      }
      // The provider's words survive, only the secrets are cut out.
      expect(JSON.stringify(errors[0])).toContain('[REDACTED]');
    });
  }

  it('logs show the request with sensitive query values removed', async () => {
    lines.length = 0;
    const method = compileAuthMethod({ type: 'api_key', in: 'query', name: 'api_key' }, queryKey);
    const conn: Connection = { connector: 'demo', id: 'q', credentials: { api_key: 'CANARY-qkey-2001' } };
    await executeRequest({ method: 'GET', url: `${apiServer.url}/ok`, query: [['page', '1']], headers: {}, bodyFormat: 'none' }, {
      http: compileHttp(), auth: { strategy: getAuthStrategy('api_key'), ctx: authContext(method, conn, client) },
      client, limiterKey: 'k', connector: 'demo', operation: 'action:probe', logger,
    });
    expect(lines.join('\n')).toContain('/ok?page=1&api_key=[REDACTED]');
  });
});

describe('an operation-wide secret set', () => {
  it('is used instead of re-collecting the connection, and learns the tokens auth obtains', async () => {
    const method = compileAuthMethod({ type: 'oauth2', grant: 'client_credentials', token_url: `${tokenServer.url}/token` });
    const conn: Connection = { connector: 'demo', id: 'shared-set', credentials: { client_id: 'cid3', client_secret: 'CANARY-csecret-3001' } };
    // Seeded empty on purpose: the client secret is only redacted if execute re-collects it.
    const secrets = new SecretSet();
    const err = await executeRequest({ method: 'GET', url: `${apiServer.url}/denied`, query: [], headers: {}, bodyFormat: 'none' }, {
      http: compileHttp({ retry: { max_attempts: 1 } }), auth: { strategy: getAuthStrategy('oauth2'), ctx: authContext(method, conn, client) },
      client, limiterKey: 'k', connector: 'demo', operation: 'action:probe', logger, secrets,
    }).catch((e: Error) => e);
    expect(secrets.list()).toContain('CANARY-cc-token-5551');
    expect(secrets.list()).not.toContain('CANARY-csecret-3001');
    expect((err as Error).message).toContain('[REDACTED]');
    expect((err as Error).message).not.toContain('CANARY-cc-token-5551');
  });
});

describe('redaction helpers', () => {
  it('collects credential values and their encoded forms, skipping non-secret fields', () => {
    const s = collectSecrets({ credentials: { username: 'ada', password: 'p@ss word', token_type: 'Bearer', nested: { k: 'deep-secret' } } });
    expect(s).toContain('p@ss word');
    expect(s).toContain(encodeURIComponent('p@ss word'));
    expect(s).toContain(b64('ada:p@ss word'));
    expect(s).toContain('deep-secret');
    expect(s).not.toContain('Bearer');
    // Short values are collected too; redact() replaces them only as whole tokens.
    expect(s).toContain('ada');
    expect(redact('Basic ' + b64('ada:p@ss word') + ' and p%40ss%20word', s)).toBe('Basic [REDACTED] and [REDACTED]');
    expect(redact('user ada in canada', s)).toBe('user [REDACTED] in canada');
  });

  it('removes sensitive query parameters by name and secret values anywhere in a URL', () => {
    const url = 'https://h.test/cb?code=abc&state=xyz&access_token=t0k&client_secret=zz&page=2&q=my-secret-value';
    expect(redactUrl(url, ['my-secret-value'])).toBe('https://h.test/cb?code=[REDACTED]&state=xyz&access_token=[REDACTED]&client_secret=[REDACTED]&page=2&q=[REDACTED]');
    expect(redactUrl('https://h.test/x?sig=1&signature=2&author=octocat', [])).toBe('https://h.test/x?sig=[REDACTED]&signature=[REDACTED]&author=octocat');
  });

  it('censors credential headers by path in pino output', () => {
    const out: string[] = [];
    const log = createLogger({ level: 'info', destination: new Writable({ write(c, _e, cb) { out.push(String(c)); cb(); } }) });
    log.info({ headers: { authorization: 'Bearer zzz-top', 'x-api-key': 'kkk-top', accept: 'json' }, request: { headers: { cookie: 'sid=1' } } }, 'req');
    expect(out[0]).not.toContain('zzz-top');
    expect(out[0]).not.toContain('kkk-top');
    expect(out[0]).not.toContain('sid=1');
    expect(out[0]).toContain('"accept":"json"');
  });
});

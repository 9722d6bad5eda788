import { Writable } from 'node:stream';
import aws4 from 'aws4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAuthStrategy } from '../../engine/components/auth/registry.js';
import { createLogger } from '../../engine/core/log.js';
import type { Connection, OutboundRequest } from '../../engine/core/wire.js';
import { createHttpClient } from '../../engine/run/http/client.js';
import { executeRequest } from '../../engine/run/http/execute.js';
import { authContext, compileAuthMethod, compileHttp } from '../helpers/compiled.js';
import { startServer, type Seen, type TestServer } from '../http/server.js';

const lines: string[] = [];
const logger = createLogger({ level: 'trace', destination: new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb(); } }) });
const client = createHttpClient({ logger });
const strategy = getAuthStrategy('aws_sigv4');

/** What a SigV4 service does: recompute the signature from the request as received. */
function recompute(seen: Seen, secretAccessKey: string): string {
  const auth = String(seen.headers.authorization);
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(auth);
  if (!m) throw new Error(`not a SigV4 header: ${auth}`);
  // Only the signed headers, as received; aws4 takes the signing time from their x-amz-date.
  const headers: Record<string, string> = {};
  for (const h of m[5].split(';')) headers[h] = String(seen.headers[h]);
  const again = aws4.sign(
    { method: seen.method, host: headers.host, path: seen.rawUrl, headers, body: seen.rawBody, region: m[3], service: m[4] },
    { accessKeyId: m[1], secretAccessKey, sessionToken: headers['x-amz-security-token'] },
  );
  return String(again.headers?.Authorization);
}

let server: TestServer;
beforeAll(async () => {
  // Echoes what it got into its errors, as careless services do.
  server = await startServer((r) => (r.path === '/denied'
    ? { status: 403, body: { message: `denied ${String(r.headers.authorization)} token=${String(r.headers['x-amz-security-token'])}` } }
    : { body: { ok: true } }));
});
afterAll(async () => { await server.close(); client.close(); });

describe('aws_sigv4', () => {
  it('reproduces AWS’s get-vanilla vector (aws-sig-v4-test-suite)', async () => {
    // https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html — get-vanilla:
    // GET / on example.amazonaws.com at 20150830T123600Z, key AKIDEXAMPLE, region us-east-1, service "service".
    const method = compileAuthMethod({ type: 'aws_sigv4', region: 'us-east-1', service: 'service' });
    const conn: Connection = { connector: 'demo', id: 'vanilla', credentials: { access_key: 'AKIDEXAMPLE', secret_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' } };
    const req: OutboundRequest = { method: 'GET', url: 'https://example.amazonaws.com/', query: [], headers: { 'x-amz-date': '20150830T123600Z' }, bodyFormat: 'none' };
    await strategy.apply(req, authContext(method, conn, client));
    expect(req.headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('signs the request as it arrives: method, path+query, host, headers and JSON body; the server’s recomputation matches', async () => {
    const method = compileAuthMethod({ type: 'aws_sigv4', region: '{{config.region}}', service: 'execute-api', session_token: '{{credentials.session_token}}' });
    const conn: Connection = { connector: 'demo', id: 'wire', config: { region: 'ap-southeast-1' }, credentials: { access_key: 'AKIAWIRE', secret_key: 'wire/secret+key', session_token: 'sess-tok' } };
    await executeRequest(
      { method: 'POST', url: `${server.url}/api/v1/customer`, query: [['q', 'a b'], ['list[]', 'x'], ['idx', '2']], headers: { 'x-extra': 'yes' }, body: { code: 'C-001', name: 'Ünïcode Sdn Bhd' }, bodyFormat: 'json' },
      { http: compileHttp(), auth: { strategy, ctx: authContext(method, conn, client) }, client, limiterKey: 'k', connector: 'demo', operation: 'action:probe' },
    );
    const seen = server.seen.at(-1)!;
    const auth = String(seen.headers.authorization);
    const date = String(seen.headers['x-amz-date']);
    expect(date).toMatch(/^\d{8}T\d{6}Z$/);
    expect(auth).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=AKIAWIRE/${date.slice(0, 8)}/ap-southeast-1/execute-api/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$`));
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)![1].split(';');
    expect(signedHeaders).toEqual(expect.arrayContaining(['content-type', 'host', 'x-amz-date', 'x-amz-security-token', 'x-extra']));
    expect(seen.headers['x-amz-security-token']).toBe('sess-tok');
    expect(JSON.parse(seen.rawBody)).toEqual({ code: 'C-001', name: 'Ünïcode Sdn Bhd' });
    expect(recompute(seen, 'wire/secret+key')).toBe(auth);
    // A different body under the same headers would not verify.
    expect(recompute({ ...seen, rawBody: seen.rawBody.replace('C-001', 'C-002') }, 'wire/secret+key')).not.toBe(auth);
  });

  it('signs the auth method\'s shared query parameters too: they go on before the signature', async () => {
    const method = compileAuthMethod({ type: 'aws_sigv4', region: 'us-east-1', service: 'execute-api', query: { tenant: '{{secrets.tenant}}' } });
    const conn: Connection = { connector: 'demo', id: 'wire-q', credentials: { access_key: 'AKIAWIRE', secret_key: 'wire/secret+key' }, secrets: { tenant: 't-42' } };
    await executeRequest(
      { method: 'GET', url: `${server.url}/api/v1/items`, query: [['page', '2']], headers: {}, bodyFormat: 'none' },
      { http: compileHttp(), auth: { strategy, ctx: authContext(method, conn, client) }, client, limiterKey: 'k-q', connector: 'demo', operation: 'stream:items' },
    );
    const seen = server.seen.at(-1)!;
    expect(seen.query.get('tenant')).toBe('t-42');
    expect(recompute(seen, 'wire/secret+key')).toBe(String(seen.headers.authorization));
  });

  it('never puts the secret key or session token in errors or logs', async () => {
    lines.length = 0;
    const method = compileAuthMethod({ type: 'aws_sigv4', region: 'us-east-1', service: 'execute-api', session_token: '{{credentials.session_token}}' });
    const conn: Connection = { connector: 'demo', id: 'redact', credentials: { access_key: 'AKIAREDACT', secret_key: 'CANARY-secret-9001', session_token: 'CANARY-session-9002' } };
    const err = await executeRequest({ method: 'GET', url: `${server.url}/denied`, query: [], headers: {}, bodyFormat: 'none' }, {
      http: compileHttp({ retry: { max_attempts: 1 } }), auth: { strategy, ctx: authContext(method, conn, client) },
      client, limiterKey: 'k', connector: 'demo', operation: 'action:probe', logger,
    }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect(server.seen.at(-1)!.headers['x-amz-security-token']).toBe('CANARY-session-9002');
    expect(JSON.stringify(err)).not.toMatch(/canary/i);
    expect((err as Error).message).not.toMatch(/canary/i);
    expect(JSON.stringify(err)).toContain('[REDACTED]');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).not.toMatch(/canary/i);

    // A missing secret is named, not shown, and nothing is sent.
    const before = server.seen.length;
    const missing = (await executeRequest({ method: 'GET', url: `${server.url}/ok`, query: [], headers: {}, bodyFormat: 'none' }, {
      http: compileHttp(), auth: { strategy, ctx: authContext(method, { connector: 'demo', id: 'nokey', credentials: { access_key: 'AKIA' } }, client) },
      client, limiterKey: 'k', connector: 'demo', operation: 'action:probe', logger,
    }).catch((e: unknown) => e)) as { kind: string; message: string };
    expect(missing.kind).toBe('auth');
    expect(missing.message).toContain('secret_key');
    expect(server.seen.length).toBe(before);
  });
});

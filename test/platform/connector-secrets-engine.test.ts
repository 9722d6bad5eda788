import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../engine/run/engine.js';
import { withConnectorSecrets } from '../../engine/platform/connector-secrets-engine.js';
import { startServer, type TestServer } from '../paginate/helpers.js';
import { compile } from '../engine/helpers.js';

// An app secret the operator sets once keys a proof of each connection's token.
const manifest = `
patchbay: 1
id: proofed
name: proofed
secrets:
  type: object
  properties: { app_secret: { type: string } }
auth:
  type: bearer
  token: "{{credentials.token}}"
  query:
    proof: "{{hmac_sha256 secrets.app_secret credentials.token}}"
http: { base_url: "http://unused.invalid" }
check: { request: { path: /me } }
streams:
  items:
    request: { path: /items }
    records: data
    primary_key: id
    mapping: "{ 'id': id }"
`;

let server: TestServer | undefined;
let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  await server?.close();
  engine = undefined;
  server = undefined;
});

describe('withConnectorSecrets', () => {
  it('gives checks and reads the operator\'s secrets, looked up once per operation', async () => {
    server = await startServer((req) => (req.path === '/items' ? { body: { data: [{ id: 'a' }] } } : { body: { ok: true } }));
    const plan = compile(manifest, '/virtual/connectors/proofed/connector.yaml');
    const asked: string[] = [];
    engine = withConnectorSecrets(await createEngine({ connectors: [plan] }), async (c) => { asked.push(c); return { app_secret: 'op-secret' }; });
    const proof = createHmac('sha256', 'op-secret').update('tok-1').digest('hex');
    await engine.check({ connector: 'proofed', baseUrl: server.url, credentials: { token: 'tok-1' } });
    expect(server.seen[0].query.get('proof')).toBe(proof);
    const records: unknown[] = [];
    for await (const r of engine.read({ connector: 'proofed', baseUrl: server.url, credentials: { token: 'tok-1' } }, 'items')) records.push(r);
    expect(records).toEqual([{ id: 'a' }]);
    expect(server.seen[1].query.get('proof')).toBe(proof);
    expect(asked).toEqual(['proofed', 'proofed']);
  });

  it('without the secret the proof renders empty and is left out', async () => {
    server = await startServer(() => ({ body: { ok: true } }));
    const plan = compile(manifest.replace('"{{hmac_sha256 secrets.app_secret credentials.token}}"', '"{{#if secrets.app_secret}}{{hmac_sha256 secrets.app_secret credentials.token}}{{/if}}"'), '/virtual/connectors/proofed/connector.yaml');
    engine = withConnectorSecrets(await createEngine({ connectors: [plan] }), async () => ({}));
    await engine.check({ connector: 'proofed', baseUrl: server.url, credentials: { token: 'tok-1' } });
    expect(server.seen[0].query.has('proof')).toBe(false);
  });
});

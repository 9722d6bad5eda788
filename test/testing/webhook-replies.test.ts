/**
 * Handshake and acknowledgement cases: a GET or POST handshake answered before anything is
 * stored, and a declared ack sent once the events are committed, each checked by status,
 * body and content type; a wrong content type is reported.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runConnectorTests, type CaseResult } from '../../engine/testing/index.js';

const HOOKTEST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../webhooks/fixtures/connectors/hooktest/connector.yaml');
const SECRET = `whsec_${Buffer.from('tests-yaml-webhook-key-0123456789').toString('base64')}`;

/** hooktest with a GET verification handshake (Facebook's shape) and a declared ack before its verify block. */
const EXTRA = `  handshake:
    - when: 'query."hub.mode" = "subscribe" and query."hub.verify_token" = "let-me-in"'
      methods: [GET]
      verify: false
      response: { content_type: text/plain, body: 'query."hub.challenge"' }
    - when: 'body.type = "ping"'
      verify: false
      response:
        status: 202
        content_type: text/plain
        body: '"pong " & body.nonce'
  ack:
    - when: 'body.type = "item.created"'
      content_type: text/xml
      body: '"<Response received=\\"" & $string(received) & "\\"/>"'
`;

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function run(cases: string): Promise<CaseResult> {
  dir = await mkdtemp(path.join(tmpdir(), 'patchbay-webhook-replies-'));
  await mkdir(path.join(dir, 'hooktest'));
  const manifest = (await readFile(HOOKTEST, 'utf8')).replace(/  # An unsigned liveness probe[\s\S]*?body: '"pong " & body\.nonce'\n/, EXTRA);
  expect(manifest).toContain('hub.challenge');
  await writeFile(path.join(dir, 'hooktest', 'connector.yaml'), manifest);
  await writeFile(path.join(dir, 'hooktest', 'tests.yaml'), `defaults:\n  config: { base_url: "http://provider.invalid" }\n  credentials: { token: tok-1, webhook_secret: "${SECRET}" }\ncases:\n${cases}`);
  const results = await runConnectorTests(dir);
  expect(results).toHaveLength(1);
  return results[0];
}

const CREATED = '{"id":"evt_1","type":"item.created","account":"acc-1","data":{"id":7,"name":"Seven","updated_at":"2024-05-01T11:59:00Z"}}';

describe('handshake and ack cases', () => {
  it('a GET handshake answers the challenge as text/plain and stores nothing', async () => {
    const r = await run(`
  - name: verification request
    webhook:
      method: GET
      query: hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=let-me-in
      headers: {}
      body: ""
    exchanges: []
    expect:
      status: 200
      content_type: text/plain
      response: "1158201444"
      events: []
`);
    expect(r.failures).toEqual([]);
  });

  it('a POST handshake keeps its declared status; a wrong content type expectation is reported', async () => {
    const r = await run(`
  - name: ping
    webhook:
      headers: { content-type: application/json }
      body: '{"type":"ping","nonce":"n-1"}'
    exchanges: []
    expect:
      status: 202
      content_type: application/json
      response: pong n-1
      events: []
`);
    expect(r.failures).toEqual(['content_type: expected "application/json", got "text/plain"']);
  });

  it('a signed delivery is acknowledged with the declared body after its event is stored', async () => {
    const r = await run(`
  - name: acknowledged
    webhook:
      sign: true
      headers: { content-type: application/json, webhook-id: msg_1 }
      body: '${CREATED}'
    exchanges: []
    expect:
      verified: true
      status: 200
      content_type: text/xml
      response: '<Response received="1"/>'
      events: [ { id: evt_1, type: item.created, status: processed } ]
      upserted:
        items: [ { id: "7", title: Seven, updated_at: "2024-05-01T11:59:00Z" } ]
      emitted:
        - { type: thing.changed }
`);
    expect(r.failures).toEqual([]);
  });
});

/**
 * `webhook:` cases of tests.yaml: the delivery goes through a real runtime on a socket, so
 * verification, identification, routing and the provider calls routes make are the
 * manifest's own; the expectations compare what that left behind, and say why when not.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { loadTestSuite, runConnectorTests, type CaseResult } from '../../engine/testing/index.js';

const HOOKTEST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../webhooks/fixtures/connectors/hooktest/connector.yaml');
const SECRET = `whsec_${Buffer.from('tests-yaml-webhook-key-0123456789').toString('base64')}`;
const OTHER = `whsec_${Buffer.from('somebody-else-entirely-9876543210').toString('base64')}`;
const AT = new Date('2024-05-01T12:00:00Z');

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function write(cases: string, files: Record<string, string> = {}): Promise<string> {
  dir = await mkdtemp(path.join(tmpdir(), 'patchbay-webhook-cases-'));
  await mkdir(path.join(dir, 'hooktest'));
  await copyFile(HOOKTEST, path.join(dir, 'hooktest', 'connector.yaml'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, 'hooktest', name)), { recursive: true });
    await writeFile(path.join(dir, 'hooktest', name), text);
  }
  const yaml = `defaults:\n  config: { base_url: "http://provider.invalid" }\n  credentials: { token: tok-1, webhook_secret: "${SECRET}" }\ncases:\n${cases}`;
  await writeFile(path.join(dir, 'hooktest', 'tests.yaml'), yaml);
  return path.join(dir, 'hooktest', 'tests.yaml');
}

async function run(cases: string, files?: Record<string, string>): Promise<CaseResult> {
  await write(cases, files);
  const results = await runConnectorTests(dir!);
  expect(results).toHaveLength(1);
  return results[0];
}

function signed(body: string, id: string, secret = SECRET, at = AT): string {
  const signature = new Webhook(secret).sign(id, at, body);
  return `
      headers:
        content-type: application/json
        webhook-id: ${id}
        webhook-timestamp: "${Math.floor(at.getTime() / 1000)}"
        webhook-signature: "${signature}"`;
}

const CREATED = '{"id":"evt_1","type":"item.created","account":"acc-1","data":{"id":7,"name":"Seven","updated_at":"2024-05-01T11:59:00Z"}}';
const CREATED_OUTCOME = `
      upserted:
        items: [ { id: "7", title: Seven, updated_at: "2024-05-01T11:59:00Z" } ]
      emitted:
        - { type: thing.changed, data: { id: "7", title: Seven } }`;

describe('webhook cases', () => {
  it('a signed delivery verifies, and its event, records and emitted events are compared', async () => {
    const r = await run(`
  - name: created
    webhook:${signed(CREATED, 'msg_1')}
      body: '${CREATED}'
    now: "2024-05-01T12:00:10Z"
    exchanges: []
    expect:
      verified: true
      status: 200
      response: { ok: true, received: 1, duplicates: 0 }
      events: [ { id: evt_1, type: item.created, status: processed } ]${CREATED_OUTCOME}
`);
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('`sign: true` signs the body with the case\'s secret by the manifest\'s scheme, at the case\'s now', async () => {
    const r = await run(`
  - name: signed by the runner
    webhook:
      sign: true
      headers: { content-type: application/json, webhook-id: msg_9 }
      body: '${CREATED}'
    now: "2031-01-01T00:00:00Z"
    exchanges: []
    expect:
      verified: true
      events: [ { id: evt_1, type: item.created, status: processed } ]${CREATED_OUTCOME}
`);
    expect(r.failures).toEqual([]);
  });

  it('`sign: { secret }` signs as a sender with another secret would, and the intake refuses it', async () => {
    const r = await run(`
  - name: another sender
    webhook:
      sign: { secret: "${OTHER}" }
      headers: { content-type: application/json }
      body: '${CREATED}'
    exchanges: []
    expect:
      rejected: bad_signature
      events: [ { id: evt_1, status: rejected, reason: bad_signature } ]
`);
    expect(r.failures).toEqual([]);
  });

  it('the body is sent byte for byte from body_file', async () => {
    const body = `{\n  "id": "evt_2",\n  "type": "item.created",\n  "account": "acc-1",\n  "data": {"id": 7, "name": "Seven", "updated_at": "2024-05-01T11:59:00Z"}\n}\n`;
    const r = await run(`
  - name: from a file
    webhook:${signed(body, 'msg_2')}
      body_file: hooks/created.json
    now: "2024-05-01T12:00:10Z"
    exchanges: []
    expect:
      verified: true
      events: [ { id: evt_2, status: processed } ]${CREATED_OUTCOME}
`, { 'hooks/created.json': body });
    expect(r.failures).toEqual([]);
  });

  it('a delivery that does not verify fails a case expecting it to, naming the reason, never the secret', async () => {
    const r = await run(`
  - name: wrong secret
    webhook:${signed(CREATED, 'msg_3', OTHER)}
      body: '${CREATED}'
    now: "2024-05-01T12:00:10Z"
    exchanges: []
    expect:
      verified: true${CREATED_OUTCOME}
`);
    expect(r.ok).toBe(false);
    expect(r.failures[0]).toMatch(/^expected the delivery to verify, but it was refused \(bad_signature\)/);
    expect(r.failures.join('\n')).toMatch(/^upserted\.items: expected \[.*\], got \(absent\)$/m);
    expect(r.failures.join('\n')).not.toContain(SECRET);
  });

  it('the clock is the case\'s `now`: the same delivery is stale without it and verifies with it', async () => {
    const stale = await run(`
  - name: no now
    webhook:${signed(CREATED, 'msg_4')}
      body: '${CREATED}'
    exchanges: []
    expect:
      rejected: stale_timestamp
      status: 401
      events: [ { status: rejected, reason: stale_timestamp } ]
`);
    expect(stale.failures).toEqual([]);
    const pinned = await run(`
  - name: with now
    webhook:${signed(CREATED, 'msg_4')}
      body: '${CREATED}'
    now: "2024-05-01T12:04:59Z"
    exchanges: []
    expect:
      rejected: stale_timestamp
`);
    expect(pinned.failures).toEqual(['expected the delivery to be rejected (stale_timestamp), but it was accepted with 200 "{\\"ok\\":true,\\"received\\":1,\\"duplicates\\":0}"', expect.stringMatching(/^upserted\.items: expected \(absent\)/), expect.stringMatching(/^emitted: expected 0 item\(s\), got 1/), expect.stringMatching(/^emitted\[0\]/)]);
  });

  it('what the routes did is compared whole: an effect the case leaves out fails it', async () => {
    const r = await run(`
  - name: forgot the emit
    webhook:${signed(CREATED, 'msg_5')}
      body: '${CREATED}'
    now: "2024-05-01T12:00:10Z"
    exchanges: []
    expect:
      verified: true
      upserted:
        items: [ { id: "7", title: Seven, updated_at: "2024-05-01T11:59:00Z" } ]
`);
    expect(r.failures).toEqual(['emitted: expected 0 item(s), got 1', 'emitted[0]: expected (absent), got {"type":"thing.changed","data":{"id":"7","title":"Seven"}}']);
  });

  it('a sync route calls the scripted provider, whose exchanges are checked like an operation\'s', async () => {
    const body = '{"id":"evt_6","type":"items.refresh","account":"acc-1"}';
    const exchange = (p: string) => `
      - request: { method: GET, path: ${p}, query: { limit: "10" }, headers: { Authorization: Bearer tok-1 } }
        response:
          body: { data: [ { id: 8, name: Eight, updated_at: "2024-05-01T10:00:00Z" } ], next: null }`;
    const ok = await run(`
  - name: refresh
    webhook:${signed(body, 'msg_6')}
      body: '${body}'
    now: "2024-05-01T12:00:10Z"
    exchanges:${exchange('/items')}
    expect:
      verified: true
      events: [ { id: evt_6, type: items.refresh, status: processed } ]
      upserted:
        items: [ { id: "8", title: Eight, updated_at: "2024-05-01T10:00:00Z" } ]
`);
    expect(ok.failures).toEqual([]);
    const wrong = await run(`
  - name: refresh elsewhere
    webhook:${signed(body, 'msg_6')}
      body: '${body}'
    now: "2024-05-01T12:00:10Z"
    exchanges:${exchange('/things')}
    expect:
      verified: true
`);
    expect(wrong.ok).toBe(false);
    expect(wrong.failures[0]).toMatch(/^request #1 GET \/items.* does not match exchange #1 \(GET \/things\)/);
  });
});

describe('loading webhook cases', () => {
  async function problems(cases: string): Promise<string> {
    const file = await write(cases);
    return loadTestSuite(file).then(() => '', (err: Error) => err.message);
  }

  it('a case delivers a webhook or runs an operation, not both', async () => {
    expect(await problems(`
  - name: both
    action: get_item
    webhook: { headers: {}, body: "{}" }
    exchanges: []
    expect: { verified: true }
`)).toMatch(/cases\[0\]: a case runs one operation, found action and webhook/);
  });

  it('needs exactly one of body and body_file, and the file must exist', async () => {
    const msg = await problems(`
  - name: neither
    webhook: { headers: {} }
    exchanges: []
    expect: { verified: true }
  - name: missing file
    webhook: { headers: {}, body_file: nope.json }
    exchanges: []
    expect: { verified: true }
`);
    expect(msg).toMatch(/cases\[0\]\.webhook: a delivery needs exactly one of `body` \(the raw text\) or `body_file`/);
    const file = await problems(`
  - name: missing file
    webhook: { headers: {}, body_file: nope.json }
    exchanges: []
    expect: { verified: true }
`);
    expect(file).toMatch(/cases\[0\]\.webhook\.body_file: no file .*nope\.json/);
  });

  it('webhook expectations belong to webhook cases and operation expectations to operations', async () => {
    const msg = await problems(`
  - name: action expecting a verdict
    action: get_item
    now: "2024-01-01T00:00:00Z"
    exchanges: []
    expect: { rejected: bad_signature }
  - name: webhook expecting output
    webhook: { headers: {}, body: "{}" }
    now: yesterday
    exchanges: []
    expect: { output: {}, verified: true, rejected: bad_signature }
`);
    expect(msg).toContain('cases[0].expect.rejected: `rejected` can only be expected from a `webhook` delivery');
    expect(msg).toContain('cases[0].now: `now` only applies to a `webhook` case');
    expect(msg).toContain('cases[1].expect.output: a `webhook` case does not expect `output`');
    expect(msg).toContain('cases[1].expect.rejected: a delivery cannot be both `verified` and `rejected`');
    expect(msg).toContain('cases[1].now: "yesterday" is not an ISO 8601 time');
  });

  it('unknown keys in a delivery are reported with a suggestion', async () => {
    expect(await problems(`
  - name: typo
    webhook: { headers: {}, body: "{}", publc_url: "https://x.example" }
    exchanges: []
    expect: { verified: true }
`)).toMatch(/cases\[0\]\.webhook\.publc_url: unknown key "publc_url" — did you mean "public_url"\?/);
  });
});

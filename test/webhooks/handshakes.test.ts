/**
 * Handshakes and declared acknowledgements over a listening runtime, against fixtures that
 * follow each provider's documented wire format (the URLs are in each fixture's comments).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_CONNECTORS, startRuntime, type TestRuntime } from '../runtime/helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TENANT = 'acme';
const XERO_KEY = randomBytes(24).toString('base64');
const SLACK_SECRET = randomBytes(16).toString('hex');
const VERIFY_TOKEN = `vt-${randomBytes(8).toString('hex')}`;
const APP_SECRET = randomBytes(16).toString('hex');

describe('webhook handshakes and acknowledgements over HTTP', () => {
  let rt: TestRuntime;
  let dir: string;
  const conns: Record<string, string> = {};
  const count = async (connector: string) => Number((await rt.running.platform.store.knex('webhook_events').where({ connector }).whereNot({ status: 'rejected' }).count({ n: '*' }))[0].n);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'patchbay-hs-'));
    cpSync(SHIPPED_CONNECTORS, dir, { recursive: true });
    cpSync(path.join(here, 'fixtures', 'handshakes'), dir, { recursive: true });
    rt = await startRuntime({ connectorsDir: dir });
    const c = rt.running.platform.connections;
    const make = async (connector: string, credentials: Record<string, unknown>, learned?: Record<string, string>) =>
      (await c.create({ tenant: TENANT, connector, name: connector, skipCheck: true, credentials, ...(learned ? { learned } : {}) })).id;
    conns.graph = await make('graphhooks', { token: 't' });
    conns.fb = await make('fbhooks', { token: 't' }, { page_id: 'PAGE1' });
    conns.xero = await make('xerohooks', { token: 't', webhook_key: XERO_KEY });
    conns.cmds = await make('slackcmds', { token: 't', signing_secret: SLACK_SECRET });
    const set = await rt.call('PUT', '/v1/connectors/fbhooks/secrets', { key: rt.adminKey, body: { verify_token: VERIFY_TOKEN, app_secret: APP_SECRET } });
    expect(set.status, set.text).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Graph: validationToken on an empty POST is echoed, decoded, as text/plain', async () => {
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 9f3c';
    const res = await rt.call('POST', `/v1/webhooks/graphhooks/${conns.graph}?validationToken=${encodeURIComponent(token)}`, { headers: { 'content-type': 'text/plain; charset=utf-8' }, raw: '' });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toBe(token);
    // Without the token an empty body is what it always was: 400 invalid_json.
    expect((await rt.call('POST', `/v1/webhooks/graphhooks/${conns.graph}`, { raw: '' })).status).toBe(400);
    expect(await count('graphhooks')).toBe(0);
  });

  it('Facebook: a GET with the right verify_token gets the challenge; a wrong one 403, storing nothing, leaking nothing', async () => {
    const q = (token: string) => `/v1/webhooks/fbhooks?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=${encodeURIComponent(token)}`;
    const ok = await rt.call('GET', q(VERIFY_TOKEN));
    expect(ok.status, ok.text).toBe(200);
    expect(ok.text).toBe('1158201444');
    const wrong = await rt.call('GET', q('guess'));
    expect(wrong.status).toBe(403);
    expect(wrong.text).toBe('');
    for (const r of [ok, wrong]) {
      expect(r.text).not.toContain(VERIFY_TOKEN);
      expect(r.text).not.toContain(APP_SECRET);
    }
    expect(rt.rawLogs.join('\n')).not.toContain(VERIFY_TOKEN);
    expect(await count('fbhooks')).toBe(0);
  });

  it('attack: a GET on a connector without a GET handshake is 405 and stores nothing', async () => {
    const res = await rt.call('GET', `/v1/webhooks/slackcmds/${conns.cmds}?type=url_verification`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await count('slackcmds')).toBe(0);
  });

  it('Xero: intent to receive is 200 with an empty body when signed, 401 when not', async () => {
    const body = JSON.stringify({ events: [], lastEventSequence: 0, firstEventSequence: 0, entropy: 'S0m3r4Nd0mt3xt' });
    const sig = createHmac('sha256', XERO_KEY).update(body).digest('base64');
    const ok = await rt.call('POST', `/v1/webhooks/xerohooks/${conns.xero}`, { headers: { 'content-type': 'application/json', 'x-xero-signature': sig }, raw: body });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.text).toBe('');
    const bad = await rt.call('POST', `/v1/webhooks/xerohooks/${conns.xero}`, { headers: { 'content-type': 'application/json', 'x-xero-signature': createHmac('sha256', 'wrong').update(body).digest('base64') }, raw: body });
    expect(bad.status).toBe(401);
    expect(await count('xerohooks')).toBe(0);
  });

  it('Slack slash command: the declared JSON acknowledgement is sent once the event is stored', async () => {
    const form = new URLSearchParams({ token: 'legacy', team_id: 'T1', channel_id: 'C1', user_id: 'U1', command: '/deploy', text: 'prod', response_url: 'https://hooks.slack.com/commands/T1/1/x', trigger_id: '13345224609.738474920.8088930838d88f008e0' }).toString();
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = `v0=${createHmac('sha256', SLACK_SECRET).update(`v0:${ts}:${form}`).digest('hex')}`;
    const res = await rt.call('POST', `/v1/webhooks/slackcmds/${conns.cmds}`, { headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': sig }, raw: form });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ response_type: 'ephemeral', text: 'Working on prod (1 stored)' });
    expect(await count('slackcmds')).toBe(1);
    // Unsigned: refused, no acknowledgement.
    const bad = await rt.call('POST', `/v1/webhooks/slackcmds/${conns.cmds}`, { headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': `v0=${'0'.repeat(64)}` }, raw: form });
    expect(bad.status).toBe(401);
  });
});

/**
 * The webhook intake suites' world: a real runtime (startServer) over the shipped
 * connectors plus a Standard Webhooks one, a tenant with one connection per provider, and
 * each provider's own way of signing a delivery.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sign as githubSign } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';
import { SHIPPED_CONNECTORS, startRuntime, type Reply, type TestRuntime } from '../runtime/helpers.js';

const STD_CONNECTOR = `
patchbay: 1
id: stdhooks
name: Standard Webhooks test provider
categories: [testing]
credentials:
  type: object
  required: [token]
  properties:
    token: { type: string }
    webhook_secret: { type: string }
auth: { type: bearer }
http: { base_url: "https://api.stdhooks.invalid" }
streams:
  things:
    request: { path: /things }
    records: data
    primary_key: id
webhooks:
  verify:
    type: standard_webhooks
    secret: "{{credentials.webhook_secret}}"
  id: body.id
  type: body.type
  routes:
    - on: [thing.*]
      upsert: { stream: things, record: body.data }
    - on: [thing.*]
      emit: { event: thing.changed, data: body.data }
`;

export interface Connections {
  github: string;
  stripe: string;
  slack: string;
  hubspot: string;
  std: string;
}

export const SECRETS = {
  github: `gh-${randomBytes(12).toString('hex')}`,
  stripe: `whsec_${randomBytes(24).toString('base64')}`,
  slack: randomBytes(16).toString('hex'),
  hubspot: `hs-${randomBytes(16).toString('hex')}`,
  std: `whsec_${randomBytes(24).toString('base64')}`,
};

export const TENANT = 'acme';
export const STRIPE_ACCOUNT = 'acct_1Intake';
export const SLACK_TEAM = 'T0INTAKE';
export const HUBSPOT_PORTAL = '424242';

export interface IntakeWorld {
  rt: TestRuntime;
  conns: Connections;
  key: string;
  close(): Promise<void>;
}

export async function startIntakeWorld(opts: Parameters<typeof startRuntime>[0] = {}): Promise<IntakeWorld> {
  const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-intake-'));
  cpSync(SHIPPED_CONNECTORS, dir, { recursive: true });
  mkdirSync(path.join(dir, 'stdhooks'));
  writeFileSync(path.join(dir, 'stdhooks', 'connector.yaml'), STD_CONNECTOR);
  const rt = await startRuntime({ connectorsDir: dir, ...opts });
  // `learned` stands for the token response: the only way a connector-level delivery routes to a connection.
  const create = async (connector: string, input: { config?: Record<string, unknown>; credentials: Record<string, unknown>; learned?: Record<string, unknown>; auth?: string }) =>
    (await rt.running.platform.connections.create({ tenant: TENANT, connector, name: `${connector}-main`, skipCheck: true, ...input })).id;
  const conns: Connections = {
    github: await create('github', { config: { owner: 'octocat', repo: 'hello' }, auth: 'token', credentials: { token: 'ghp_test', webhook_secret: SECRETS.github } }),
    stripe: await create('stripe', { auth: 'api_key', credentials: { api_key: 'sk_test_intake', webhook_secret: SECRETS.stripe }, learned: { account_id: STRIPE_ACCOUNT } }),
    slack: await create('slack', { auth: 'token', learned: { team_id: SLACK_TEAM }, credentials: { token: 'xoxb-intake', signing_secret: SECRETS.slack } }),
    hubspot: await create('hubspot', { auth: 'oauth', learned: { portal_id: HUBSPOT_PORTAL }, credentials: { client_id: 'hs-client', client_secret: SECRETS.hubspot, access_token: 'hs-token' } }),
    std: await create('stdhooks', { credentials: { token: 't', webhook_secret: SECRETS.std } }),
  };
  const key = await rt.keyFor(TENANT);
  return {
    rt,
    conns,
    key,
    close: async () => {
      await rt.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Signed {
  path: string;
  headers: Record<string, string>;
  body: string;
}

const nowSec = () => Math.floor(Date.now() / 1000);

export async function githubDelivery(conn: string, payload: object, event = 'issues', secret = SECRETS.github): Promise<Signed> {
  const body = JSON.stringify(payload);
  return {
    path: `/v1/webhooks/github/${conn}`,
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': randomUUID(), 'x-hub-signature-256': await githubSign(secret, body) },
    body,
  };
}

const stripe = new Stripe('sk_test_signing_only');

export function stripeDelivery(pathSuffix: string, payload: object, opts: { timestamp?: number; secret?: string } = {}): Signed {
  const body = JSON.stringify(payload);
  const header = stripe.webhooks.generateTestHeaderString({ payload: body, secret: opts.secret ?? SECRETS.stripe, ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}) });
  return { path: `/v1/webhooks/stripe${pathSuffix}`, headers: { 'content-type': 'application/json', 'stripe-signature': header }, body };
}

/** Slack's documented recipe: `v0=` + hex HMAC-SHA256(signing secret, `v0:<ts>:<body>`). */
export function slackDelivery(payload: object, opts: { timestamp?: number; secret?: string } = {}): Signed {
  const body = JSON.stringify(payload);
  const ts = String(opts.timestamp ?? nowSec());
  const sig = `v0=${createHmac('sha256', opts.secret ?? SECRETS.slack).update(`v0:${ts}:${body}`).digest('hex')}`;
  return { path: '/v1/webhooks/slack', headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': ts, 'x-slack-signature': sig }, body };
}

/** HubSpot v3: base64 HMAC-SHA256(client secret, method + full URL + body + timestamp in ms). */
export function hubspotDelivery(baseUrl: string, conn: string, events: object[], opts: { timestamp?: number } = {}): Signed {
  const body = JSON.stringify(events);
  const p = `/v1/webhooks/hubspot/${conn}`;
  const ts = String(opts.timestamp ?? Date.now());
  const sig = createHmac('sha256', SECRETS.hubspot).update(`POST${baseUrl}${p}${body}${ts}`).digest('base64');
  return { path: p, headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': ts }, body };
}

export function stdDelivery(conn: string, payload: { id: string }, opts: { at?: Date; secret?: string } = {}): Signed {
  const body = JSON.stringify(payload);
  const at = opts.at ?? new Date();
  const msgId = `msg_${payload.id}`;
  const sig = new Webhook(opts.secret ?? SECRETS.std).sign(msgId, at, body);
  return {
    path: `/v1/webhooks/stdhooks/${conn}`,
    headers: { 'content-type': 'application/json', 'webhook-id': msgId, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': sig },
    body,
  };
}

export function issuePayload(id: number, action = 'opened', title = 'Printer on fire'): object {
  return {
    action,
    issue: { id, number: id % 1000, title, state: action === 'closed' ? 'closed' : 'open', body: 'It is on fire', updated_at: new Date().toISOString(), user: { login: 'octocat' } },
    repository: { full_name: 'octocat/hello' },
    sender: { login: 'octocat' },
  };
}

export async function post(rt: TestRuntime, d: Signed, over: { headers?: Record<string, string | undefined>; body?: string | Buffer } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...d.headers };
  for (const [k, v] of Object.entries(over.headers ?? {})) {
    if (v === undefined) delete headers[k];
    else headers[k] = v;
  }
  return rt.call('POST', d.path, { headers, raw: over.body ?? d.body });
}

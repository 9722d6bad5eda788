/**
 * Shared setup for the webhook suites: a platform over the shipped connectors plus the
 * hooktest fixture, connections for each provider, and signing with the providers' own
 * code (or their documented recipe where they publish no code).
 */
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Stripe from 'stripe';
import { sign as githubSign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import { loadConnectors } from '../../engine/plan/index.js';
import type { Plan } from '../../engine/plan/plan.js';
import { createPlatform, type Platform, type PlatformOptions } from '../../engine/platform/platform.js';
import type { WebhookRequest } from '../../engine/platform/webhooks/types.js';
import { KEY_A } from '../store/databases.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SHIPPED = path.resolve(here, '../../connectors');
export const FIXTURES = path.join(here, 'fixtures', 'connectors');

let plans: Map<string, Plan> | undefined;

/** The four shipped connectors and the fixture, compiled once per test file. */
export async function allPlans(): Promise<Map<string, Plan>> {
  if (plans) return plans;
  const out = new Map<string, Plan>();
  for (const dir of [SHIPPED, FIXTURES]) {
    const { plans: p } = await loadConnectors(dir);
    for (const [id, plan] of p) out.set(id, plan);
  }
  for (const id of ['github', 'stripe', 'slack', 'hubspot', 'hooktest']) {
    if (!out.has(id)) throw new Error(`connector ${id} did not compile`);
  }
  plans = out;
  return out;
}

export async function openPlatform(database: string, opts: Partial<PlatformOptions> = {}): Promise<Platform> {
  return createPlatform({ database, connectors: await allPlans(), secretKeys: KEY_A, ...opts });
}

export const SECRETS = {
  github: 'It\'s a Secret to Everybody',
  stripe: 'whsec_test_4eC39HqLyjWDarjtT1zdp7dc',
  slack: '8f742231b10e8888abcd99yyyzzz85a5',
  hubspot: 'hubspot-client-secret-5b1e',
  hooktest: `whsec_${Buffer.from('hooktest-key-0123456789abcdef!!').toString('base64')}`,
};

/**
 * Connections as the OAuth flow leaves them: the account each one routes by was learned from
 * the provider (`learned`), which is the only way a connector-level delivery reaches it.
 */
export async function connectAll(platform: Platform, tenant: string, base = 'http://127.0.0.1:9') {
  const c = platform.connections;
  const github = await c.create({ tenant, connector: 'github', name: 'gh', config: { owner: 'octo', repo: 'hello' }, credentials: { token: 'ghp_test', webhook_secret: SECRETS.github }, skipCheck: true });
  const stripe = await c.create({ tenant, connector: 'stripe', name: 'st', config: { account_id: 'acct_1Test' }, learned: { account_id: 'acct_1Test' }, credentials: { api_key: 'sk_test_abc', webhook_secret: SECRETS.stripe }, skipCheck: true });
  const slack = await c.create({ tenant, connector: 'slack', name: 'sl', auth: 'token', learned: { team_id: 'T0TEAM1' }, credentials: { token: 'xoxb-test', signing_secret: SECRETS.slack }, skipCheck: true });
  const hubspot = await c.create({ tenant, connector: 'hubspot', name: 'hs', learned: { portal_id: '62515' }, credentials: { token: 'pat-na1-test', client_secret: SECRETS.hubspot }, skipCheck: true });
  const hooktest = await c.create({ tenant, connector: 'hooktest', name: 'ht', config: { base_url: base }, learned: { account: 'acc-1' }, credentials: { token: 'tok-1', webhook_secret: SECRETS.hooktest }, skipCheck: true });
  return { github, stripe, slack, hubspot, hooktest };
}

const stripe = new Stripe('sk_test_unused');

export function request(connectorId: string, connectionId: string | undefined, payload: string | Buffer, headers: Record<string, string>, url?: string): WebhookRequest {
  return {
    connectorId,
    ...(connectionId ? { connectionId } : {}),
    method: 'POST',
    url: url ?? `/v1/webhooks/${connectorId}${connectionId ? `/${connectionId}` : ''}`,
    headers: { 'content-type': 'application/json', ...headers },
    rawBody: Buffer.isBuffer(payload) ? payload : Buffer.from(payload),
  };
}

export const sign = {
  stripe: (payload: string, timestamp = Math.floor(Date.now() / 1000), secret = SECRETS.stripe) => ({
    'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp }),
  }),
  github: async (payload: string, event: string, delivery: string, secret = SECRETS.github) => ({
    'x-hub-signature-256': await githubSign(secret, payload),
    'x-github-event': event,
    'x-github-delivery': delivery,
  }),
  /** Slack's documented recipe: `v0=` hex HMAC-SHA256 of `v0:<ts>:<body>`. */
  slack: (payload: string, ts = Math.floor(Date.now() / 1000), secret = SECRETS.slack) => ({
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${ts}:${payload}`).digest('hex')}`,
  }),
  /** HubSpot v3: base64 HMAC-SHA256 of method + full URL + body + timestamp (ms). */
  hubspot: (payload: string, url: string, ts = Date.now(), secret = SECRETS.hubspot, method = 'POST') => ({
    'x-hubspot-request-timestamp': String(ts),
    'x-hubspot-signature-v3': createHmac('sha256', secret).update(`${method}${url}${payload}${ts}`).digest('base64'),
  }),
  standard: (payload: string, id: string, at = new Date(), secret = SECRETS.hooktest) => {
    const signature = new Webhook(secret).sign(id, at, payload);
    return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
  },
};

export function json(res: { body: string }): any {
  return JSON.parse(res.body);
}

/** Polls until `check` returns a truthy value (or fails after `ms`). */
export async function eventually<T>(check: () => Promise<T | undefined | false>, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

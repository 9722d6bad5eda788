/**
 * `subscribe:` cases: a connection is made on a platform over an in-memory store, which sends
 * its `webhooks.subscriptions` requests to the case's scripted server; the clock can then be
 * moved on so the renewals fall due, and the connection disconnected so its unsubscribes and
 * token revocation are sent. What the store holds afterwards is what the case expects.
 */
import { ConnectorError } from '../core/errors.js';
import { parseDuration } from '../lang/durations.js';
import type { Plan } from '../plan/plan.js';
import type { Platform } from '../platform/platform.js';
import { presentProviderSubscription } from '../platform/present/index.js';
import { diffNamed } from './compare.js';
import type { TestCase, TestSuite } from './types.js';
import { caseConnection, casePlatform, TEST_TENANT } from './webhook.js';

export const DEFAULT_PUBLIC_URL = 'https://hooks.example.com';

export interface SubscribeOutcome {
  /** As `GET /v1/connections/:id` shows them, oldest first. */
  subscriptions: unknown[];
}

/** Works what is due until nothing is; a retry backs off into the future, so this ends. */
async function drainAll(platform: Platform): Promise<void> {
  for (let i = 0; i < 20 && (await platform.webhooks.subscriptions.drain()) > 0; i++) { /* next batch */ }
}

/** Each expected subscription's named fields against the one at its position. */
export function checkSubscribeExpectation(expected: Array<Record<string, unknown>> | undefined, o: SubscribeOutcome): string[] {
  const out: string[] = [];
  if (expected === undefined) return out;
  if (expected.length !== o.subscriptions.length) out.push(`subscriptions: expected ${expected.length}, got ${o.subscriptions.length}: ${JSON.stringify(o.subscriptions).slice(0, 400)}`);
  expected.forEach((want, i) => diffNamed(want, o.subscriptions[i] as Record<string, unknown> | undefined, `subscriptions[${i}]`, out));
  return out;
}

export async function runSubscribe(plan: Plan, suite: TestSuite, testCase: TestCase, serverUrl: string): Promise<SubscribeOutcome> {
  const s = testCase.subscribe!;
  if (!plan.webhooks || (plan.webhooks.subscriptions.length === 0 && !plan.webhooks.subscribe)) {
    throw new ConnectorError({ kind: 'config', origin: 'manifest', connector: plan.id, message: 'a `subscribe` case needs `webhooks.subscriptions` (or `webhooks.subscribe`) in the manifest' });
  }
  const start = testCase.now !== undefined ? Date.parse(testCase.now) : Date.now();
  let offset = 0;
  const origin = performance.now();
  const now = () => Math.floor(start + (performance.now() - origin)) + offset;
  const platform = await casePlatform(plan, now, s.public_url ?? DEFAULT_PUBLIC_URL);
  try {
    // Creating the connection subscribes it (the platform's own lifecycle, as in production).
    const { info } = await caseConnection(platform, plan, suite, testCase, serverUrl);
    const ref = { tenant: TEST_TENANT, id: info.id };
    if (s.renew_after !== undefined) {
      offset += parseDuration(s.renew_after);
      await drainAll(platform);
    }
    if (s.disconnect) {
      await platform.connections.disconnect(ref);
      await drainAll(platform);
    }
    const rows = await platform.webhooks.subscriptions.list(ref);
    return { subscriptions: rows.map(presentProviderSubscription) };
  } finally {
    await platform.close();
  }
}

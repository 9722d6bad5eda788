/**
 * Runs a `webhook:` case the way a provider would exercise the connector: a real runtime
 * (platform over an in-memory store, the HTTP app on a local socket) receives the delivery
 * byte for byte, the manifest's own verify/identify/route code handles it, the worker
 * processes what was stored, and what that left behind is collected: the answer, the event
 * log, the records written or deleted, the normalized events emitted. Calls the routes make
 * to the provider (a `sync` route's reads) go to the case's scripted server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createApp } from '../runtime/app.js';
import { BASE_URL_SETTING, withBaseUrlOverrides } from '../runtime/base-url.js';
import { createPlatform, type Platform } from '../platform/platform.js';
import { planStream, type Plan } from '../plan/plan.js';
import { OAuthApps } from '../platform/oauth/apps.js';
import { OAuthAppsRepo } from '../platform/store/oauth-apps.js';
import { StateRepo } from '../platform/store/state.js';
import { RecordsRepo, type IncomingRecord, type RecordChange } from '../platform/store/records.js';
import { externalIdOf } from '../run/operations/keys.js';
import { ConnectorError } from '../core/errors.js';
import { signDelivery } from '../components/verify/registry.js';
import { fullUrl } from '../platform/webhooks/request.js';
import { scriptedBaseUrl } from './redirect.js';
import type { CompiledTemplate } from '../lang/template.js';
import type { NormalizedEvent, WebhookEvent } from '../platform/webhooks/types.js';
import type { TestCase, TestSuite } from './types.js';

/** Every case's connection lives in this tenant; nothing else shares the store. */
export const TEST_TENANT = 'test';

export interface WebhookOutcome {
  status: number;
  contentType: string;
  body: string;
  /** The tenant's event log, oldest first (one delivery's events by provider id). */
  events: WebhookEvent[];
  upserted: Record<string, unknown[]>;
  deleted: Record<string, string[]>;
  /** In the order of their events, then of the routes that emitted them. */
  emitted: NormalizedEvent[];
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** Plain node:http, so the bytes and header values sent are exactly the case's (no client adds or rewrites any but Host and Content-Length). */
function post(url: string, method: string, headers: Record<string, string>, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: { ...headers, 'content-length': String(body.length) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function listen(platform: Platform): Promise<{ url: string; close(): Promise<void> }> {
  // The intake's real middleware and routes, minus the per-key limits no provider meets.
  const app = createApp({ platform, adminKey: '', rateLimit: false, authFailureLimit: false, allowBaseUrlOverride: true });
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** The case's clock: `now` as given, moving on in real time (retries and leases need time to pass). */
function clock(now: string | undefined): () => number {
  if (now === undefined) return () => Date.now();
  const at = Date.parse(now);
  if (Number.isNaN(at)) throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `now "${now}" is not an ISO 8601 time` });
  const started = performance.now();
  return () => Math.floor(at + (performance.now() - started));
}

async function bodyOf(testCase: TestCase): Promise<Buffer> {
  const w = testCase.webhook!;
  if (w.body_file !== undefined) return readFile(w.body_file);
  return Buffer.from(w.body ?? '', 'utf8');
}

/** Writes the case's `records_before` as a sync would have; returns each stream's change-feed position after them. */
async function allEvents(platform: Platform): Promise<WebhookEvent[]> {
  const events: WebhookEvent[] = [];
  for (let cursor: string | undefined; ;) {
    const page = await platform.webhooks.list({ tenant: TEST_TENANT, limit: 1000, cursor });
    events.push(...page.items);
    if (!page.nextCursor) return events;
    cursor = page.nextCursor;
  }
}

/** The whole change feed after `cursor`, and the position at its end. */
async function allChanges(platform: Platform, connectionId: string, stream: string, cursor?: string): Promise<{ changes: RecordChange[]; cursor: string }> {
  const changes: RecordChange[] = [];
  for (;;) {
    const page = await platform.records.changes({ tenant: TEST_TENANT, id: connectionId }, stream, { cursor, limit: 1000 });
    changes.push(...page.items);
    cursor = page.nextCursor;
    if (!page.hasMore) return { changes, cursor };
  }
}

async function seed(platform: Platform, plan: Plan, connectionId: string, records: TestCase['records_before']): Promise<Record<string, string>> {
  const now = () => platform.store.now();
  const state = new StateRepo(now);
  const repo = new RecordsRepo(state, now);
  const scope = platform.store.scope(TEST_TENANT);
  const cursors: Record<string, string> = {};
  for (const [name, list] of Object.entries(records ?? {})) {
    const stream = planStream(plan, name);
    if (!stream) throw new ConnectorError({ kind: 'config', origin: 'manifest', connector: plan.id, message: `records_before names stream "${name}", which ${plan.id} does not have` });
    const incoming: IncomingRecord[] = list.map((data, i) => {
      const externalId = externalIdOf(stream, data);
      if (externalId === undefined) throw new ConnectorError({ kind: 'config', origin: 'manifest', connector: plan.id, message: `records_before.${name}[${i}] has no value for its primary key (${stream.primaryKey.join(', ')})` });
      return { externalId, data };
    });
    await scope.transaction(async (tx) => {
      await state.ensure(tx, connectionId, name);
      await repo.writePage(tx, { connectionId, stream: name, model: stream.model }, incoming);
    });
    cursors[name] = (await allChanges(platform, connectionId, name)).cursor;
  }
  return cursors;
}

function rendersNonEmpty(t: CompiledTemplate, values: object): boolean {
  try {
    return t.render(values) !== '';
  } catch {
    return false;
  }
}

function literalTemplate(text: string): CompiledTemplate {
  return { source: '(webhook.sign.secret)', whole: false, literal: true, render: () => text, value: () => text };
}

/**
 * The case's headers with the signature the manifest's scheme computes from the case's own
 * secret added: on the connector-level URL the connector-level secret, as the intake verifies it.
 */
function signed(plan: Plan, testCase: TestCase, raw: Buffer, url: string, values: { config: Record<string, unknown>; credentials: Record<string, unknown>; settings: Record<string, unknown> }, now: number): Record<string, string> {
  const w = testCase.webhook!;
  const spec = plan.webhooks?.verify;
  if (!spec) throw new ConnectorError({ kind: 'config', origin: 'manifest', connector: plan.id, message: `webhook.sign: ${plan.id} declares no \`webhooks.verify\`` });
  const connectorLevel = { config: {}, credentials: {}, settings: {}, ...(testCase.secrets ? { secrets: testCase.secrets } : {}), ...(testCase.app ? { app: { ...testCase.app } } : {}) };
  // The connector-level URL verifies with the operator's secret when it is set, else with the matched connection's.
  const levelSecret = (w.to ?? 'connection') === 'connector' ? plan.webhooks?.connection?.secret : undefined;
  const levelSet = levelSecret !== undefined && rendersNonEmpty(levelSecret, connectorLevel);
  const headers = Object.fromEntries(Object.entries(w.headers).map(([k, v]) => [k.toLowerCase(), v]));
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    body = undefined;
  }
  const connection = {
    ...(levelSet ? { config: {}, credentials: {}, settings: {} } : values),
    ...(testCase.secrets ? { secrets: testCase.secrets } : {}),
    ...(testCase.app ? { app: { client_id: testCase.app.client_id, client_secret: testCase.app.client_secret } } : {}),
  };
  const own = typeof w.sign === 'object' ? w.sign.secret : undefined;
  // `sign: { secret }` signs as a sender holding another secret would (the case then expects a refusal).
  const secret = own !== undefined ? literalTemplate(own) : levelSet ? levelSecret : spec.secret;
  const out = signDelivery({ ...spec, secret }, { rawBody: raw, method: w.method ?? 'POST', url, headers, body, connection, now });
  if (out.query && Object.keys(out.query).length > 0) {
    throw new ConnectorError({ kind: 'config', origin: 'manifest', connector: plan.id, message: 'webhook.sign: this scheme sends its token in the query; put it in `webhook.query` yourself' });
  }
  return { ...headers, ...out.headers };
}

/** A platform over an in-memory store for one case, on the case's clock. */
export function casePlatform(plan: Plan, now: () => number, publicUrl: string | undefined): Promise<Platform> {
  return createPlatform({
    database: 'sqlite::memory:',
    connectors: [plan],
    wrapEngine: withBaseUrlOverrides,
    // A throwaway key: the store lives only as long as the case.
    secretKeys: `t1:${randomBytes(32).toString('base64')}`,
    now,
    webhooks: publicUrl !== undefined ? { publicUrl } : {},
    warn: () => undefined,
  });
}

/** The case's connection, stored on `platform`, its base URL on the scripted server. */
export async function caseConnection(platform: Platform, plan: Plan, suite: TestSuite, testCase: TestCase, providerUrl: string) {
  const d = suite.defaults;
  const settings = { ...d.settings, ...testCase.settings };
  const values = { config: { ...d.config, ...testCase.config }, credentials: { ...d.credentials, ...testCase.credentials }, settings };
  const auth = testCase.auth ?? d.auth;
  const environment = testCase.environment ?? d.environment;
  const info = await platform.connections.create({
    tenant: TEST_TENANT,
    connector: plan.id,
    name: 'test',
    ...(auth !== undefined ? { auth } : {}),
    ...(environment !== undefined ? { environment } : {}),
    config: values.config,
    credentials: values.credentials,
    settings: { [BASE_URL_SETTING]: scriptedBaseUrl(plan, values, providerUrl, environment) },
    // The case stands in for the OAuth flow or check that proves these with the provider.
    learned: settings,
    skipCheck: true,
  });
  return { info, values };
}

export async function deliverWebhook(plan: Plan, suite: TestSuite, testCase: TestCase, providerUrl: string): Promise<WebhookOutcome> {
  const w = testCase.webhook!;
  const now = clock(testCase.now);
  const platform = await casePlatform(plan, now, w.public_url);
  let intake: Awaited<ReturnType<typeof listen>> | undefined;
  try {
    const { info, values } = await caseConnection(platform, plan, suite, testCase, providerUrl);
    if (testCase.secrets) await platform.webhooks.connectorSecrets.set(plan, testCase.secrets);
    if (testCase.app) await new OAuthApps(new OAuthAppsRepo(platform.store, platform.vault)).set(plan.id, { clientId: testCase.app.client_id, clientSecret: testCase.app.client_secret });
    const since = await seed(platform, plan, info.id, testCase.records_before);
    const emitted: NormalizedEvent[] = [];
    platform.webhooks.on('event', (e) => {
      emitted.push(e);
    });

    intake = await listen(platform);
    const path = `/v1/webhooks/${encodeURIComponent(plan.id)}${(w.to ?? 'connection') === 'connection' ? `/${encodeURIComponent(info.id)}` : ''}`;
    const target = `${intake.url}${path}${w.query ? `?${w.query}` : ''}`;
    const raw = await bodyOf(testCase);
    const headers = w.sign ? signed(plan, testCase, raw, fullUrl(target, w.public_url), values, now()) : w.headers;
    const answer = await post(target, w.method ?? 'POST', headers, raw);
    // Events retried after a failure are not due again within the case; one pass processes the rest.
    while ((await platform.webhooks.drain()) > 0) { /* until nothing is due */ }

    // Events of one delivery share their arrival time and their row ids are random: order by
    // provider id within it, and emitted events by their event, then route, so a case is stable.
    const events = (await allEvents(platform))
      .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.providerEventId.localeCompare(b.providerEventId));
    const position = new Map(events.map((e, i) => [e.id, i]));
    const order = (e: NormalizedEvent): [number, number] => {
      const dot = e.id.lastIndexOf('.');
      return [position.get(e.id.slice(0, dot)) ?? events.length, Number(e.id.slice(dot + 1))];
    };
    emitted.sort((a, b) => {
      const [x, y] = [order(a), order(b)];
      return x[0] - y[0] || x[1] - y[1];
    });
    const upserted: Record<string, unknown[]> = {};
    const deleted: Record<string, string[]> = {};
    for (const stream of Object.values(plan.streams)) {
      const { changes } = await allChanges(platform, info.id, stream.name, since[stream.name]);
      for (const c of changes) {
        if (c.action === 'deleted') (deleted[stream.name] ??= []).push(c.id);
        else (upserted[stream.name] ??= []).push(c.data);
      }
    }
    return { ...answer, events, upserted, deleted, emitted };
  } finally {
    await intake?.close();
    await platform.close();
  }
}

/**
 * `webhooks.subscriptions`: subscriptions a connection holds at its provider, one request
 * per item (a topic, a resource), each recorded in provider_subscriptions with
 * the provider's id and expiry. What they need later is work on those rows, done by the
 * durable job (registrations-worker.ts): renewal before expiry, and after a disconnect the
 * unsubscribe requests and the token revocation, retried with backoff while the provider is
 * down. Requests take the engine's path (render, auth, limits, retries, outbound guard) and
 * the connection's base URL override where the engine applies one.
 */
import { ConnectorError, isConnectorError } from '../../core/errors.js';
import { generateSecret } from '../../core/secret.js';
import type { Connection } from '../../core/wire.js';
import { expiresAtMs } from '../../components/auth/oauth2-token.js';
import { authKinds } from '../../components/auth/registry.js';
import { plain } from '../../lang/plain.js';
import type { CompiledExpr } from '../../lang/expr.js';
import type { Plan, PlanSubscription } from '../../plan/plan.js';
import { renderRequest, type TemplateContext } from '../../run/http/render.js';
import { renderOptions, resolveConnection, type ResolvedConnection } from '../../run/operations/context.js';
import { decorateError } from '../../run/operations/decorate.js';
import type { ConnectionRef, ResolvedStoredConnection } from '../connections/service.js';
import type { ClaimedProviderSubscription, ProviderSubscription, ProviderSubscriptionsRepo, Settlement } from '../store/provider-subscriptions.js';
import type { SubscribeDeps } from './subscribe.js';
import { webhookUrl } from './request.js';

export interface RegistrationDeps extends SubscribeDeps {
  subs: ProviderSubscriptionsRepo;
  now: () => number;
}

/** Attempts of one piece of work before it is given up (`failed`, with the last error). */
export const MAX_ATTEMPTS = 10;
const BACKOFF_BASE_MS = 60_000;
const BACKOFF_CAP_MS = 3_600_000;

/** The wait before attempt `attempts + 1`: 1 min, doubling, at most an hour. */
export function backoffMs(attempts: number): number {
  return Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
}

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
const isoOf = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

async function evaluate(e: CompiledExpr | undefined, input: unknown): Promise<unknown> {
  return e ? plain(await e.evaluate(input)) : undefined;
}

/** The connection as the engine sends it (its base URL override applied, or refused). */
async function prepared(d: RegistrationDeps, ref: ConnectionRef): Promise<ResolvedStoredConnection> {
  const r = await d.connections.resolve(ref);
  return { ...r, connection: d.runtime.prepare?.(r.connection) ?? r.connection };
}

function renewAt(entry: PlanSubscription, expiresAt: number | undefined, now: number): number | undefined {
  if (!entry.renew || expiresAt === undefined) return undefined;
  return Math.max(now, expiresAt - entry.renew.beforeMs);
}

async function itemsOf(entry: PlanSubscription, base: TemplateContext): Promise<unknown[]> {
  if (!entry.forEach) return [entry.name];
  const v = await evaluate(entry.forEach, { config: base.config, settings: base.settings, credentials: base.credentials });
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

async function keyOf(entry: PlanSubscription, item: unknown): Promise<string> {
  const v = entry.key ? await evaluate(entry.key, { item }) : item;
  const k = text(v) ?? (v === undefined ? undefined : JSON.stringify(v));
  if (k === undefined) throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `webhooks.subscriptions ${entry.name}: an item has no key` });
  return k;
}

async function send(d: RegistrationDeps, rc: ResolvedConnection, entry: PlanSubscription, request: PlanSubscription['request'], ctx: TemplateContext, connection: Connection, op: string): Promise<unknown> {
  try {
    // The connection's environment supplies the base URL an override does not replace.
    const req = await renderRequest(request, entry.http, ctx, { ...renderOptions(rc), baseUrl: connection.baseUrl });
    return (await d.runtime.send(rc, req, { http: entry.http, operation: op })).body;
  } catch (err) {
    throw decorateError(err, rc.plan.id, op, rc.secrets.list());
  }
}

/**
 * Sends every subscription request of the connection's manifest and records each one the
 * provider confirms. Every item is tried; if any failed, the first failure is thrown (after
 * the others are recorded). Undefined when the manifest declares no `webhooks.subscriptions`.
 */
export async function subscribeAll(d: RegistrationDeps, ref: ConnectionRef, opts: { url?: string } = {}): Promise<ProviderSubscription[] | undefined> {
  const { scope, info, connection } = await prepared(d, ref);
  const plan = d.plan(info.connector);
  const entries = plan?.webhooks?.subscriptions ?? [];
  if (!plan?.webhooks || entries.length === 0) return undefined;
  const url = opts.url ?? (d.publicUrl ? webhookUrl(d.publicUrl, plan.id, info.id) : undefined);
  if (!url) throw new ConnectorError({ kind: 'config', origin: 'caller', connector: plan.id, message: 'subscribing needs the public URL of this runtime (the `publicUrl` option)' });
  // One secret per connection, shared by its subscriptions (a client state they all echo) and kept across re-subscribes.
  let secret = text(connection.credentials?.webhook_secret);
  if (!secret) {
    secret = generateSecret(plan.webhooks.verify.secretEncoding);
    connection.credentials = { ...connection.credentials, webhook_secret: secret };
    await d.repo.update(scope, info.id, { credentials: connection.credentials });
  }
  const rc = resolveConnection(plan, connection);
  rc.secrets.add(secret);
  const failures: unknown[] = [];
  for (const entry of entries) {
    for (const item of await itemsOf(entry, rc.base)) {
      try {
        const key = await keyOf(entry, item);
        const now = d.now();
        const asked = entry.lifetimeMs === undefined ? undefined : now + entry.lifetimeMs;
        const ctx = { ...rc.base, webhook_url: url, secret, item, key, expires_at: isoOf(asked) };
        const body = await send(d, rc, entry, entry.request, ctx, connection, `webhooks:subscribe:${entry.name}`);
        const providerId = text(await evaluate(entry.id, body));
        const expiresAt = expiresAtMs(await evaluate(entry.expiresAt, body)) ?? asked;
        await d.subs.putActive(scope, { connectionId: info.id, connector: plan.id, name: entry.name, key, item, providerId, expiresAt, renewAt: renewAt(entry, expiresAt, now) });
        d.logger.info({ connector: plan.id, connection: info.id, subscription: entry.name, key, providerId }, 'subscribed at the provider');
      } catch (err) {
        failures.push(err);
      }
    }
  }
  if (failures.length > 0) {
    const first = failures[0];
    if (failures.length === 1) throw first;
    const message = `${failures.length} subscription requests failed; the first: ${(first as Error).message}`;
    throw isConnectorError(first) ? new ConnectorError({ ...first, kind: first.kind, origin: first.origin, message }) : new Error(message);
  }
  return d.subs.list(scope, info.id);
}

/**
 * Before a disconnect: records the unsubscribe of each live subscription and, when the auth
 * method declares a revoke URL, the revocation of its tokens, with the credentials they
 * need. Nothing is sent here; the job does it (the caller kicks it), so a provider that is
 * down never holds up or fails the disconnect. Resolves with how many are owed.
 */
export async function recordTeardown(d: RegistrationDeps, ref: ConnectionRef): Promise<number> {
  const { scope, info, connection } = await d.connections.resolve(ref);
  const plan = d.plan(info.connector);
  if (!plan || info.status === 'disconnected') return 0;
  const entries = new Map((plan.webhooks?.subscriptions ?? []).map((e) => [e.name, e]));
  const rc = safeResolve(plan, connection);
  const revoke = rc && declaresRevoke(rc) ? rc.method.name : undefined;
  return d.subs.teardown(scope, {
    connectionId: info.id,
    connector: plan.id,
    unsubscribe: (s) => Boolean(entries.get(s.name)?.unsubscribe) && s.providerId !== undefined,
    revoke,
    credentials: connection.credentials ?? {},
  });
}

function safeResolve(plan: Plan, connection: Connection): ResolvedConnection | undefined {
  try {
    return resolveConnection(plan, connection);
  } catch {
    return undefined;
  }
}

/** The method declares a revocation and the connection holds something to revoke. */
function declaresRevoke(rc: ResolvedConnection): boolean {
  const creds = rc.connection.credentials ?? {};
  const holds = Object.values(creds).some((v) => typeof v === 'string' && v !== '');
  return authKinds.get(rc.method.type)?.revocable?.(rc.method) === true && holds;
}

/** One claimed row's work: renew it, unsubscribe it, or revoke the tokens; the outcome is settled on the row. */
export async function work(d: RegistrationDeps, row: ClaimedProviderSubscription): Promise<Settlement> {
  let outcome: Settlement;
  try {
    outcome = await attempt(d, row);
  } catch (err) {
    outcome = afterFailure(d, row, err);
    d.logger.warn({ connector: row.connector, connection: row.connectionId, subscription: row.name, key: row.key, status: row.status, attempts: outcome.attempts, err: outcome.lastError }, 'provider subscription work failed');
  }
  await d.subs.settle(row.id, row.claim, outcome);
  return outcome;
}

const DONE: Settlement = { status: 'removed', nextAttemptAt: null, attempts: 0, lastError: null, forgetCredentials: true };

async function attempt(d: RegistrationDeps, row: ClaimedProviderSubscription): Promise<Settlement> {
  const stored = await prepared(d, { tenant: row.tenant, id: row.connectionId });
  const plan = d.plan(row.connector);
  if (!plan) throw new ConnectorError({ kind: 'config', origin: 'caller', connector: row.connector, message: `unknown connector "${row.connector}"` });
  const connection: Connection = row.credentials ? { ...stored.connection, credentials: row.credentials } : stored.connection;
  const rc = resolveConnection(plan, connection);
  if (row.kind === 'revocation') {
    await d.runtime.revoke?.(rc);
    d.logger.info({ connector: plan.id, connection: row.connectionId }, 'tokens revoked at the provider');
    return DONE;
  }
  const entry = plan.webhooks?.subscriptions.find((e) => e.name === row.name);
  const url = d.publicUrl ? webhookUrl(d.publicUrl, plan.id, row.connectionId) : undefined;
  const now = d.now();
  const asked = entry?.lifetimeMs === undefined ? undefined : now + entry.lifetimeMs;
  const ctx = {
    ...rc.base,
    webhook_url: url,
    secret: text(connection.credentials?.webhook_secret),
    item: row.item,
    key: row.key,
    expires_at: isoOf(asked),
    subscription: { id: row.providerId, key: row.key, expires_at: row.expiresAt },
  };
  if (row.status === 'unsubscribing') {
    if (!entry?.unsubscribe) return DONE;
    try {
      await send(d, rc, entry, entry.unsubscribe.request, ctx, connection, `webhooks:unsubscribe:${entry.name}`);
    } catch (err) {
      // The provider no longer has it: what unsubscribing was for.
      if (!(isConnectorError(err) && err.kind === 'not_found')) throw err;
    }
    d.logger.info({ connector: plan.id, connection: row.connectionId, subscription: entry.name, key: row.key }, 'unsubscribed at the provider');
    return DONE;
  }
  if (stored.info.status === 'disconnected') return { ...DONE, forgetCredentials: false };
  if (!entry?.renew) return { nextAttemptAt: null, attempts: 0, lastError: null };
  // Past its expiry the provider has dropped it: only a new subscription brings the events back.
  if (row.expiresAtMs !== undefined && row.expiresAtMs <= now) return resubscribe(d, rc, entry, row, ctx, connection);
  let body: unknown;
  try {
    body = await send(d, rc, entry, entry.renew.request, ctx, connection, `webhooks:renew:${entry.name}`);
  } catch (err) {
    // The provider no longer has it (some providers remove subscriptions on their own, e.g. after a password change).
    if (isConnectorError(err) && err.kind === 'not_found') return resubscribe(d, rc, entry, row, ctx, connection);
    throw err;
  }
  const expiresAt = expiresAtMs(await evaluate(entry.renew.expiresAt ?? entry.expiresAt, body)) ?? asked;
  d.logger.info({ connector: plan.id, connection: row.connectionId, subscription: entry.name, key: row.key, expiresAt: isoOf(expiresAt) }, 'subscription renewed at the provider');
  return { status: 'active', expiresAt: expiresAt ?? null, nextAttemptAt: renewAt(entry, expiresAt, now) ?? null, attempts: 0, lastError: null };
}

/** The entry's subscribe request again for the row's item; the row takes the new id and expiry. */
async function resubscribe(d: RegistrationDeps, rc: ResolvedConnection, entry: PlanSubscription, row: ClaimedProviderSubscription, ctx: TemplateContext, connection: Connection): Promise<Settlement> {
  if (ctx.webhook_url === undefined) throw new ConnectorError({ kind: 'config', origin: 'caller', connector: rc.plan.id, message: 'subscribing again needs the public URL of this runtime (the `publicUrl` option)' });
  const now = d.now();
  const body = await send(d, rc, entry, entry.request, ctx, connection, `webhooks:subscribe:${entry.name}`);
  const providerId = text(await evaluate(entry.id, body));
  const asked = entry.lifetimeMs === undefined ? undefined : now + entry.lifetimeMs;
  const expiresAt = expiresAtMs(await evaluate(entry.expiresAt, body)) ?? asked;
  d.logger.info({ connector: rc.plan.id, connection: row.connectionId, subscription: entry.name, key: row.key, providerId }, 'subscribed again at the provider: the old subscription was gone');
  return { status: 'active', ...(providerId !== undefined ? { providerId } : {}), expiresAt: expiresAt ?? null, nextAttemptAt: renewAt(entry, expiresAt, now) ?? null, attempts: 0, lastError: null };
}

/** Worth trying again: the provider was unreachable or failing, not refusing. */
function transient(err: unknown): boolean {
  if (!isConnectorError(err)) return false;
  return err.retryable || ['network', 'timeout', 'server', 'rate_limited'].includes(err.kind);
}

function afterFailure(d: RegistrationDeps, row: ClaimedProviderSubscription, err: unknown): Settlement {
  const attempts = row.attempts + 1;
  const lastError = (err instanceof Error ? err.message : String(err)).slice(0, 2000);
  const now = d.now();
  if (!transient(err) || attempts >= MAX_ATTEMPTS) {
    return { status: 'failed', nextAttemptAt: null, attempts, lastError, forgetCredentials: true };
  }
  let next = now + backoffMs(attempts);
  // A renewal retried before the expiry keeps the subscription; once it has passed, the job subscribes again.
  const live = row.status === 'active' && row.expiresAtMs !== undefined && row.expiresAtMs > now;
  if (live) next = Math.max(now + 1000, Math.min(next, row.expiresAtMs! - 1000));
  return { nextAttemptAt: next, attempts, lastError };
}

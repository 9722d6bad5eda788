/**
 * Subscriptions at the provider: the manifest's `subscribe` request registers this
 * runtime's URL for a connection (with a freshly generated signing secret the provider is
 * told, unless it makes its own), and `unsubscribe` removes it. The provider's webhook id
 * is kept in settings (`webhook_id`), the secret sealed with the credentials
 * (`webhook_secret`). Requests take the engine's path: render, auth, limits, retries.
 */
import { ConnectorError, isConnectorError } from '../../core/errors.js';
import { generateSecret } from '../../core/secret.js';
import { renderRequest } from '../../run/http/render.js';
import type { Logger } from '../../core/log.js';
import type { Plan } from '../../plan/plan.js';
import { renderOptions, resolveConnection } from '../../run/operations/context.js';
import { decorateError } from '../../run/operations/decorate.js';
import { plain } from '../../lang/plain.js';
import type { OperationRuntime } from '../../run/operations/runtime.js';
import type { ConnectionRef, ConnectionService } from '../connections/service.js';
import type { ConnectionsRepo } from '../store/connections.js';
import { webhookUrl } from './request.js';

export interface SubscribeDeps {
  plan(connector: string): Plan | undefined;
  connections: ConnectionService;
  /** Writes settings and sealed credentials without re-running the connection check. */
  repo: ConnectionsRepo;
  runtime: OperationRuntime;
  /** Public base URL of the runtime; the subscribed URL is the connection's intake under it. */
  publicUrl?: string;
  logger: Logger;
}

export interface SubscribeResult {
  /** The provider's id for the subscription, when the manifest says where to find it. */
  webhookId?: string;
  url: string;
}

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

/** Runs the subscribe request; undefined when the manifest has none. */
export async function subscribe(d: SubscribeDeps, ref: ConnectionRef, opts: { url?: string } = {}): Promise<SubscribeResult | undefined> {
  const resolved = await d.connections.resolve(ref);
  const { scope, info } = resolved;
  // As the engine sends the connection's own calls: its base URL override applied (or refused).
  const connection = d.runtime.prepare?.(resolved.connection) ?? resolved.connection;
  const plan = d.plan(info.connector);
  const sub = plan?.webhooks?.subscribe;
  if (!plan?.webhooks || !sub) return undefined;
  const url = opts.url ?? (d.publicUrl ? webhookUrl(d.publicUrl, plan.id, info.id) : undefined);
  if (!url) throw new ConnectorError({ kind: 'config', origin: 'caller', connector: plan.id, message: 'subscribing needs the public URL of this runtime (the `publicUrl` option)' });
  const rc = resolveConnection(plan, connection);
  const generated = generateSecret(plan.webhooks.verify.secretEncoding);
  rc.secrets.add(generated);
  let body: unknown;
  try {
    const req = await renderRequest(sub.request, sub.http, { ...rc.base, webhook_url: url, secret: generated }, renderOptions(rc));
    body = (await d.runtime.send(rc, req, { http: sub.http, operation: 'webhooks:subscribe' })).body;
  } catch (err) {
    throw decorateError(err, plan.id, 'webhooks:subscribe', rc.secrets.list());
  }
  const webhookId = sub.id ? text(plain(await sub.id.evaluate(body))) : undefined;
  const secret = (sub.secret ? text(plain(await sub.secret.evaluate(body))) : undefined) ?? generated;
  await d.repo.update(scope, info.id, {
    credentials: { ...connection.credentials, webhook_secret: secret },
    settings: webhookId === undefined ? undefined : { ...info.settings, webhook_id: webhookId },
  });
  d.logger.info({ connector: plan.id, connection: info.id, webhookId }, 'webhook subscribed at the provider');
  return { ...(webhookId !== undefined ? { webhookId } : {}), url };
}

/**
 * Runs the unsubscribe request (call it before disconnecting: it needs the credentials).
 * A subscription the provider no longer knows (404) counts as removed. False when the
 * manifest has no unsubscribe request or nothing was subscribed.
 */
export async function unsubscribe(d: SubscribeDeps, ref: ConnectionRef): Promise<boolean> {
  const resolved = await d.connections.resolve(ref);
  const { scope, info } = resolved;
  const connection = d.runtime.prepare?.(resolved.connection) ?? resolved.connection;
  const plan = d.plan(info.connector);
  const unsub = plan?.webhooks?.unsubscribe;
  if (!plan || !unsub || info.status === 'disconnected') return false;
  if (plan.webhooks?.subscribe?.id && info.settings.webhook_id === undefined) return false;
  const rc = resolveConnection(plan, connection);
  try {
    const req = await renderRequest(unsub.request, unsub.http, { ...rc.base }, renderOptions(rc));
    await d.runtime.send(rc, req, { http: unsub.http, operation: 'webhooks:unsubscribe' });
  } catch (err) {
    if (!(isConnectorError(err) && err.kind === 'not_found')) throw decorateError(err, plan.id, 'webhooks:unsubscribe', rc.secrets.list());
  }
  const { webhook_id: _gone, ...settings } = info.settings;
  await d.repo.update(scope, info.id, { settings });
  d.logger.info({ connector: plan.id, connection: info.id }, 'webhook unsubscribed at the provider');
  return true;
}

/**
 * Store objects as every client sees them, over HTTP and in `patchbay … --json` alike:
 * snake_case, never a credential, no internal bookkeeping (a run's lease, reserved
 * `_patchbay_*` settings), and the base URL override lifted out of the settings it is kept in.
 */
import type { ConnectionInfo } from '../store/connections.js';
import type { ProviderSubscription } from '../store/provider-subscriptions.js';
import type { SyncRun } from '../store/runs.js';
import type { Schedule } from '../store/schedules.js';
import type { RecordChange, StoredRecord } from '../store/records.js';
import type { PurgeReport } from '../store/retention.js';
import type { ConnectorSecretsInfo } from '../webhooks/connector-secrets.js';
import type { OAuthAppInfo } from '../oauth/apps.js';
import type { Page } from '../store/paging.js';
import { RESERVED_SETTING_PREFIX, storedBaseUrl, storedChoice, storedEnvironment } from '../connections/settings.js';

export type Json = Record<string, unknown>;

/** Drops undefined fields, so an object compares equal to its JSON round trip. */
export function compact<T extends Json>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/**
 * The list envelope of every list route and command: the items under the resource's name,
 * then where the next page starts (`null` on the last page) and whether there is one.
 */
export function presentPage<T>(name: string, page: Page<T>, present: (item: T) => unknown): Json {
  return { [name]: page.items.map(present), next_cursor: page.nextCursor, has_more: page.hasMore };
}

/**
 * `allowBaseUrl`: whether the caller applies a stored override (a server without the option
 * refuses the connection). `subscriptions`: what the connection holds at its provider
 * (`webhooks.subscriptions`) and owes it after a disconnect, shown when there are any.
 */
export function presentConnection(c: ConnectionInfo, allowBaseUrl = true, subscriptions?: readonly ProviderSubscription[]): Json {
  const settings = Object.fromEntries(Object.entries(c.settings ?? {}).filter(([k]) => !k.startsWith(RESERVED_SETTING_PREFIX)));
  const baseUrl = storedBaseUrl(c.settings);
  const choice = storedChoice(c.settings);
  return compact({
    id: c.id,
    tenant: c.tenant,
    connector: c.connector,
    name: c.name,
    auth: c.auth,
    config: c.config,
    settings,
    credential_fields: c.credentialFields,
    status: c.status,
    last_error: c.lastError,
    last_error_at: c.lastErrorAt,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    disconnected_at: c.disconnectedAt,
    base_url: baseUrl,
    base_url_status: baseUrl !== undefined ? (allowBaseUrl ? 'applied' : 'not_allowed') : undefined,
    environment: storedEnvironment(c.settings),
    pending_choice: choice && c.status === 'needs_choice' ? { step: choice.step, options: choice.options.map((o) => compact({ id: o.id, label: o.label })) } : undefined,
    subscriptions: subscriptions && subscriptions.length > 0 ? subscriptions.map(presentProviderSubscription) : undefined,
  });
}

/** One provider subscription, or (`kind: revocation`) the token revocation a disconnect owes. */
export function presentProviderSubscription(s: ProviderSubscription): Json {
  return compact({
    kind: s.kind,
    name: s.name,
    key: s.kind === 'revocation' ? undefined : s.key,
    provider_id: s.providerId,
    status: s.status,
    expires_at: s.expiresAt,
    attempts: s.attempts,
    next_attempt_at: s.nextAttemptAt,
    last_error: s.lastError,
    updated_at: s.updatedAt,
  });
}

export function presentRun(r: SyncRun): Json {
  return compact({
    id: r.id,
    tenant: r.tenant,
    connection_id: r.connectionId,
    stream: r.stream,
    trigger: r.trigger,
    status: r.status,
    records: { ...r.records },
    error: r.error,
    error_kind: r.errorKind,
    started_at: r.startedAt,
    ended_at: r.endedAt,
  });
}

export function presentSchedule(s: Schedule): Json {
  return compact({
    id: s.id,
    connection_id: s.connectionId,
    stream: s.stream,
    every_ms: s.intervalMs,
    cron: s.cron,
    timezone: s.timezone,
    jitter_ms: s.jitterMs,
    enabled: s.enabled,
    next_run_at: s.nextRunAt,
    last_run_id: s.lastRunId,
    last_run_at: s.lastRunAt,
    last_error: s.lastError,
  });
}

export function presentRecord(r: StoredRecord): Json {
  return compact({ id: r.id, data: r.data, model: r.model, created_at: r.createdAt, updated_at: r.updatedAt, deleted_at: r.deletedAt });
}

export function presentChange(c: RecordChange): Json {
  return { ...presentRecord(c), action: c.action, seq: c.seq };
}

/** An API key as stored and listed (the runtime's ApiKeyInfo is this type); never the key or its hash. */
export interface KeyView {
  id: string;
  tenant?: string;
  admin: boolean;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

export function presentKey(k: KeyView): Json {
  return compact({
    id: k.id, tenant: k.tenant, admin: k.admin, name: k.name, prefix: k.prefix,
    created_at: k.createdAt, last_used_at: k.lastUsedAt, revoked_at: k.revokedAt,
  });
}

/** A key just created: the key itself, shown this once, and its listing. */
export function presentCreatedKey(created: { key: string; info: KeyView }): Json {
  return { key: created.key, api_key: presentKey(created.info) };
}

export function presentConnectorSecrets(i: ConnectorSecretsInfo): Json {
  return compact({ connector: i.connector, set: i.set, declared: i.declared, updated_at: i.updatedAt });
}

export function presentOAuthApp(a: OAuthAppInfo): Json {
  const s = a.sources;
  return compact({
    connector: a.connector,
    tenant: a.tenant,
    client_id: a.clientId,
    has_client_secret: a.hasClientSecret,
    return_urls: a.returnUrls,
    scopes: a.scopes,
    sources: compact({ client_id: s.clientId, client_secret: s.clientSecret, return_urls: s.returnUrls, scopes: s.scopes }),
    updated_at: a.updatedAt,
  });
}

export function presentPurgeReport(r: PurgeReport): Json {
  return { dry_run: r.dryRun, deleted: { ...r.deleted }, total: r.total };
}

/** What a stream's next sync resumes from (docs/storage.md "Stream state"); `updated_at` null when never saved. */
export function presentStreamState(stream: string, row: { state: Record<string, unknown>; updatedAt: number } | undefined): Json {
  return { stream, state: row?.state ?? {}, updated_at: row ? new Date(row.updatedAt).toISOString() : null };
}

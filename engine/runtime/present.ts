/**
 * Engine and store objects as the API shows them: snake_case, never a credential, and the
 * base URL override lifted out of the settings where it is kept.
 */
import type { ConnectionInfo } from '../platform/store/connections.js';
import type { SyncRun } from '../platform/store/runs.js';
import type { Schedule } from '../platform/store/schedules.js';
import type { RecordChange, StoredRecord } from '../platform/store/records.js';
import type { ApiKeyInfo } from './auth/keys.js';
import { BASE_URL_SETTING } from './base-url.js';

/** `allowBaseUrl`: whether this server applies a stored override (else it refuses the connection). */
export function presentConnection(c: ConnectionInfo, allowBaseUrl = true): Record<string, unknown> {
  const { [BASE_URL_SETTING]: baseUrl, ...settings } = c.settings ?? {};
  return {
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
    base_url: typeof baseUrl === 'string' ? baseUrl : undefined,
    base_url_status: typeof baseUrl === 'string' ? (allowBaseUrl ? 'applied' : 'not_allowed') : undefined,
  };
}

export function presentRun(r: SyncRun): Record<string, unknown> {
  return {
    id: r.id,
    connection_id: r.connectionId,
    stream: r.stream,
    trigger: r.trigger,
    status: r.status,
    records: r.records,
    error: r.error,
    error_kind: r.errorKind,
    started_at: r.startedAt,
    ended_at: r.endedAt,
  };
}

export function presentSchedule(s: Schedule): Record<string, unknown> {
  return {
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
  };
}

export function presentRecord(r: StoredRecord): Record<string, unknown> {
  return { id: r.id, data: r.data, model: r.model, created_at: r.createdAt, updated_at: r.updatedAt, deleted_at: r.deletedAt };
}

export function presentChange(c: RecordChange): Record<string, unknown> {
  return { ...presentRecord(c), action: c.action, seq: c.seq };
}

export function presentKey(k: ApiKeyInfo): Record<string, unknown> {
  return {
    id: k.id, tenant: k.tenant, admin: k.admin, name: k.name, prefix: k.prefix,
    created_at: k.createdAt, last_used_at: k.lastUsedAt, revoked_at: k.revokedAt,
  };
}

/**
 * Resolving a connection against a plan, before anything is sent: which auth method, whether
 * config and credentials are valid, what templates see, and which rate-limit bucket the
 * connection draws from. Invalid input fails here so a bad connection costs no request.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ConnectorError, type ErrorOrigin } from '../../core/errors.js';
import type { Connection } from '../../core/wire.js';
import { connectionKey } from '../../components/connection-key.js';
import type { TemplateContext } from '../http/render.js';
import type { Plan, PlanAuthMethod, PlanEnvironment, PlanStream } from '../../plan/plan.js';
import { collectSecrets, SecretSet } from '../../core/redact.js';

export interface ResolvedConnection {
  plan: Plan;
  connection: Connection;
  method: PlanAuthMethod;
  /** The connection's environment, when the connector declares environments. */
  environment?: PlanEnvironment;
  /** `{ config, credentials, settings, environment }`; operations add input, state, parent. */
  base: TemplateContext;
  /** Per-connection state key (rate limits, token refresh), stable across token refreshes. */
  connectionKey: string;
  /** Every form of every credential value, plus tokens obtained during the operation, for redaction. */
  secrets: SecretSet;
  /** A discovered stream this operation reads (`dynamic_streams`); its item is in `base`. */
  discovered?: PlanStream;
}

/** The connection as a discovered stream's read sees it: the stream found by name, its item in every template's context. */
export function withDiscovered(rc: ResolvedConnection, stream: PlanStream, item: unknown): ResolvedConnection {
  return { ...rc, discovered: stream, base: { ...rc.base, item } };
}

function pathOf(prefix: string, e: ErrorObject): string {
  const segments = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = e.params as Record<string, unknown>;
  const extra = e.keyword === 'required' ? params.missingProperty : e.keyword === 'additionalProperties' ? params.additionalProperty : undefined;
  if (typeof extra === 'string') segments.push(extra);
  return [prefix, ...segments].join('.');
}

/**
 * Ajv errors as `{ path, message }`. Ajv's messages describe the rule (`must be string`,
 * `must match pattern "^sk_"`), never the rejected value, so they are safe for credentials.
 */
export function validationDetails(prefix: string, errors: ValidateFunction['errors']): Array<{ path: string; message: string }> {
  return (errors ?? []).map((e) => ({
    path: pathOf(prefix, e),
    message: e.keyword === 'additionalProperties' ? 'is not an allowed property' : e.keyword === 'required' ? 'is required' : e.message ?? 'is invalid',
  }));
}

/**
 * Deep-frozen connection parts (config, credentials, settings) a caller hands to the engine
 * call after call, e.g. from a cache of stored connections. Because they cannot change,
 * what was proven about them once (they pass a schema, their secrets' forms) is remembered
 * per object instead of being recomputed on every call.
 */
const snapshots = new WeakSet<object>();
const passed = new WeakMap<object, WeakSet<ValidateFunction>>();
const secretsOf = new WeakMap<object, string[]>();

/** Freezes `value` deeply and marks it as a snapshot; returns it. */
export function freezeSnapshot<T extends object>(value: T): T {
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return;
    for (const child of Object.values(v)) walk(child);
    Object.freeze(v);
  };
  walk(value);
  snapshots.add(value);
  return value;
}

export function isSnapshot(value: unknown): boolean {
  return typeof value === 'object' && value !== null && snapshots.has(value);
}

export function validateWith(
  validate: ValidateFunction | undefined,
  value: unknown,
  what: { prefix: string; kind: 'config' | 'validation'; origin: ErrorOrigin; label: string },
): void {
  if (!validate) return;
  const snapshot = isSnapshot(value) ? (value as object) : undefined;
  if (snapshot && passed.get(snapshot)?.has(validate)) return;
  if (validate(value)) {
    if (snapshot) {
      let set = passed.get(snapshot);
      if (!set) passed.set(snapshot, (set = new WeakSet()));
      set.add(validate);
    }
    return;
  }
  const details = validationDetails(what.prefix, validate.errors);
  const summary = details.slice(0, 3).map((d) => `${d.path} ${d.message}`).join('; ');
  throw new ConnectorError({ kind: what.kind, origin: what.origin, message: `Invalid ${what.label}: ${summary}${details.length > 3 ? ` (and ${details.length - 3} more)` : ''}`, details });
}

/**
 * The connection's environment: the one it names (which must be declared), else the
 * connector's default; undefined for a connector without environments (which refuses a name).
 */
export function chooseEnvironment(plan: Plan, name: string | undefined): PlanEnvironment | undefined {
  const envs = plan.environments;
  if (!envs) {
    if (name === undefined) return undefined;
    throw new ConnectorError({ kind: 'config', origin: 'connection', connector: plan.id, message: `connector ${plan.id} declares no environments, so it has no environment "${name}"`, details: [{ path: 'environment', message: 'is not an environment of this connector' }] });
  }
  const picked = name ?? envs.default;
  if (Object.hasOwn(envs.byName, picked)) return envs.byName[picked];
  throw new ConnectorError({ kind: 'config', origin: 'connection', connector: plan.id, message: `connector ${plan.id} has no environment "${picked}"; declared: ${envs.names.join(', ')}`, details: [{ path: 'environment', message: `is not one of ${envs.names.join(', ')}` }] });
}

/** The auth methods as the environment sees them (its OAuth URLs), else the plan's own. */
export function methodsFor(plan: Plan, environment: PlanEnvironment | undefined): Readonly<Record<string, PlanAuthMethod>> {
  return environment?.methods ?? plan.auth.methods;
}

export function chooseAuthMethod(plan: Plan, conn: Connection, environment = chooseEnvironment(plan, conn.environment)): PlanAuthMethod {
  const name = conn.auth ?? plan.auth.defaultMethod;
  const method = methodsFor(plan, environment)[name];
  if (!method) {
    const known = Object.keys(plan.auth.methods);
    throw new ConnectorError({ kind: 'config', origin: 'connection', message: `Connector ${plan.id} has no auth method "${name}"; available: ${known.join(', ') || '(none)'}` });
  }
  return method;
}

export function resolveConnection(plan: Plan, conn: Connection): ResolvedConnection {
  if (conn.connector !== plan.id) {
    throw new ConnectorError({ kind: 'internal', origin: 'internal', message: `Connection is for connector "${conn.connector}", not "${plan.id}"` });
  }
  const environment = chooseEnvironment(plan, conn.environment);
  const method = chooseAuthMethod(plan, conn, environment);
  const config = conn.config ?? {};
  const credentials = conn.credentials ?? {};
  validateWith(plan.validateConfig, config, { prefix: 'config', kind: 'config', origin: 'connection', label: 'connection config' });
  validateWith(method.validateCredentials, credentials, { prefix: 'credentials', kind: 'config', origin: 'connection', label: `credentials for auth method ${method.name}` });
  return {
    plan,
    connection: conn,
    method,
    ...(environment ? { environment } : {}),
    base: { config, credentials, settings: conn.settings ?? {}, ...(environment ? { environment: { name: environment.name } } : {}) },
    connectionKey: connectionKey(conn),
    secrets: new SecretSet(secretsFor(conn)),
  };
}

/** How the connection's requests find their base URL: the operator's override, else its environment's. */
export function renderOptions(rc: ResolvedConnection): { baseUrl?: string; environmentBaseUrl?: PlanEnvironment['baseUrl'] } {
  return { baseUrl: rc.connection.baseUrl, environmentBaseUrl: rc.environment?.baseUrl };
}

function secretsFor(conn: Connection): string[] {
  const creds = conn.credentials;
  // The memo is per credentials object; operator secrets travel beside it, so they are collected afresh.
  if (!creds || !isSnapshot(creds) || conn.secrets) return collectSecrets(conn);
  let list = secretsOf.get(creds);
  if (!list) secretsOf.set(creds, (list = collectSecrets(conn)));
  return list;
}

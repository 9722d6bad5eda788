/**
 * A connector's `setup` steps, run on a connection before it is stored (by the consent flow
 * and by connect), and its `teardown` requests, run before a disconnect.
 *
 * Decisions:
 * - Steps work on a copy of the connection in memory and return what they wrote; the caller
 *   stores it. So a failed step leaves nothing behind: a new connection is never inserted, a
 *   reconnect's old row is never touched.
 * - Captured callback parameters arrived through the user's browser: they become settings but
 *   never `learned` (webhook routing trusts only what the provider's API said).
 * - A pending choice keeps no candidate data (a Page's token is a candidate's field):
 *   choosing sends the step's request again with the stored credentials and takes the
 *   chosen candidate from the fresh answer.
 */
import { ConnectorError, isConnectorError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Connection } from '../../core/wire.js';
import { plain } from '../../lang/plain.js';
import { reachesProofHost } from '../../manifest/proof-origin.js';
import type { Plan, PlanSetupStep } from '../../plan/plan.js';
import { renderRequest } from '../../run/http/render.js';
import { renderOptions, resolveConnection, type ResolvedConnection } from '../../run/operations/context.js';
import { decorateError } from '../../run/operations/decorate.js';
import type { OperationRuntime } from '../../run/operations/runtime.js';
import { collectSecrets, redact } from '../../core/redact.js';
import type { PendingChoice } from './settings.js';

export interface SetupInput {
  /** The OAuth callback's query parameters; absent outside a consent (capture steps are skipped). */
  callback?: Readonly<Record<string, unknown>>;
  /** Resume a pending choice: the step it waits at, and the option the caller picked. */
  resume?: { index: number; option: string };
  /** The consent's OAuth app, as `app.*` in step requests (a token exchange that names the app). */
  app?: { client_id: string; client_secret: string };
}

export interface SetupResult {
  /** Settings from `capture` (the browser's word). */
  settings: Record<string, unknown>;
  /** Settings from requests (the provider's word). */
  learned: Record<string, unknown>;
  /** Credentials the steps wrote, to be sealed with the others. */
  credentials: Record<string, unknown>;
  /** Set when a step found several candidates: the steps after it have not run. */
  pending?: PendingChoice;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);

function stepError(plan: Plan, step: PlanSetupStep, err: unknown, secrets: readonly string[], section: 'setup' | 'teardown' = 'setup'): ConnectorError {
  const operation = `${section}:${step.name}`;
  const e = decorateError(err, plan.id, operation, secrets);
  const init = isConnectorError(e) ? e : new ConnectorError({ kind: 'internal', origin: 'internal', message: redact(String((e as Error)?.message ?? e), secrets) });
  return new ConnectorError({
    kind: init.kind, origin: init.origin, retryable: init.retryable, status: init.status,
    providerCode: init.providerCode, providerMessage: init.providerMessage, request: init.request, location: init.location,
    connector: plan.id, operation,
    code: init.code ?? `${section}_failed`,
    // The engine's own "<connector> <operation> failed:" prefix would say it twice.
    message: `${section} step "${step.name}" of connector ${plan.id} failed: ${init.message.replace(`${plan.id} ${operation} failed: `, '')}`,
    details: init.details ?? [{ path: `${section}.${step.name}`, message: init.message }],
    cause: err,
  });
}

function fail(plan: Plan, message: string, origin: 'provider' | 'caller', details?: ConnectorError['details']): ConnectorError {
  return new ConnectorError({ kind: 'validation', origin, connector: plan.id, message, ...(details ? { details } : {}) });
}

async function evaluateMap(map: PlanSetupStep['settings'], input: unknown, vars: Record<string, unknown>, into: Record<string, unknown>[]): Promise<void> {
  for (const [k, e] of Object.entries(map ?? {})) {
    const v = plain(await e.evaluate(input, vars));
    if (v !== undefined && v !== null) for (const target of into) target[k] = v;
  }
}

async function send(plan: Plan, runtime: OperationRuntime, rc: ResolvedConnection, step: PlanSetupStep, section: 'setup' | 'teardown', app?: SetupInput['app']) {
  const { request, http, proofHost } = step.request!;
  // Outside a consent `app.*` renders empty, as an unset setting does.
  if (app?.client_secret) rc.secrets.add(app.client_secret);
  const req = await renderRequest(request, http, { ...rc.base, app: app ?? { client_id: '', client_secret: '' } }, renderOptions(rc));
  const fixed = rc.environment?.baseUrl && http.inheritsBaseUrl && !request.url ? rc.environment.proofHost : proofHost;
  // As for a check: what a step learns routes webhooks, so it must come from the provider's host.
  if (step.settings && fixed && rc.connection.baseUrl === undefined && !reachesProofHost(req.url, fixed)) {
    throw new ConnectorError({ kind: 'config', origin: 'connection', connector: plan.id, message: `the request would leave the provider's ${fixed.exact ?? `*${fixed.suffix}`}; check the connection's config` });
  }
  const res = await runtime.send(rc, req, { http, operation: `${section}:${step.name}` });
  // A host the tenant's config chose proves nothing: its answer's settings are plain ones.
  return { res, proven: fixed !== undefined || rc.connection.baseUrl !== undefined };
}

interface Candidate {
  item: unknown;
  id: string;
  label?: string;
}

async function candidates(step: PlanSetupStep, body: unknown, vars: Record<string, unknown>): Promise<Candidate[]> {
  const c = step.choose!;
  const list = plain(c.from ? await c.from.evaluate(body, vars) : body);
  const items = Array.isArray(list) ? list : list === undefined || list === null ? [] : [list];
  const out: Candidate[] = [];
  for (const item of items) {
    const id = text(plain(await c.id.evaluate(item, vars)));
    if (id === undefined) continue;
    const label = c.label ? text(plain(await c.label.evaluate(item, vars))) : undefined;
    out.push({ item, id, ...(label !== undefined ? { label } : {}) });
  }
  return out;
}

/** Runs the plan's set-up steps on a copy of `connection`; throws a ConnectorError naming the failed step. */
export async function runSetup(plan: Plan, runtime: OperationRuntime, connection: Connection, input: SetupInput = {}): Promise<SetupResult> {
  const result: SetupResult = { settings: {}, learned: {}, credentials: {} };
  const current: Connection = { ...connection, settings: { ...connection.settings }, credentials: { ...connection.credentials } };
  const method = connection.auth ?? plan.auth.defaultMethod;
  // The consent's app secret is redacted like the connection's own: from every log and message.
  const appSecrets = input.app?.client_secret ? [input.app.client_secret] : [];
  for (const step of plan.setup ?? []) {
    if (input.resume && step.index < input.resume.index) continue;
    if (step.auth && !step.auth.includes(method)) continue;
    try {
      if (step.capture) {
        if (!input.callback) continue;
        for (const [setting, param] of Object.entries(step.capture)) {
          const v = text(input.callback[param]);
          if (v === undefined) throw fail(plan, `the provider's redirect carried no "${param}" parameter`, 'provider');
          result.settings[setting] = current.settings![setting] = v;
        }
        continue;
      }
      if (!step.request) continue;
      // As every platform-rendered request: the engine's wrappers (a base URL override, a test's
      // scripted server) prepare the connection first, or refuse it.
      const rc = resolveConnection(plan, runtime.prepare?.(current) ?? current);
      const { res, proven } = await send(plan, runtime, rc, step, 'setup', input.app);
      const vars = { status: res.status, headers: res.headers };
      let target: unknown = res.body;
      if (step.choose) {
        const found = await candidates(step, res.body, vars);
        const options = found.map((c) => ({ id: c.id, ...(c.label !== undefined ? { label: c.label } : {}) }));
        const wanted = input.resume?.index === step.index ? input.resume.option : undefined;
        if (found.length === 0) throw fail(plan, 'the answer held no candidate to choose', 'provider');
        if (wanted !== undefined) {
          const hit = found.find((c) => c.id === wanted);
          if (!hit) {
            throw fail(plan, `"${wanted}" is not one of the options (${options.map((o) => o.id).join(', ')})`, 'caller', [{ path: 'body.option', message: 'is not one of the pending options' }]);
          }
          target = hit.item;
        } else if (found.length > 1) {
          result.pending = { step: step.name, index: step.index, options };
          return result;
        } else {
          target = found[0].item;
        }
      }
      await evaluateMap(step.settings, target, vars, [proven ? result.learned : result.settings, current.settings!]);
      await evaluateMap(step.credentials, target, vars, [result.credentials, current.credentials!]);
    } catch (err) {
      throw stepError(plan, step, err, [...collectSecrets(current), ...appSecrets]);
    }
  }
  return result;
}

/** `runSetup` for the connection service: `connection` takes what the steps wrote; undefined without steps. */
export async function setupInPlace(plan: Plan, runtime: OperationRuntime | undefined, connection: Connection, resume?: SetupInput['resume']): Promise<SetupResult | undefined> {
  if (!plan.setup) return undefined;
  if (!runtime) throw new ConnectorError({ kind: 'internal', origin: 'internal', connector: plan.id, message: 'the connector has set-up steps but this engine seam sends no requests' });
  const result = await runSetup(plan, runtime, connection, resume ? { resume } : {});
  connection.settings = { ...connection.settings, ...result.settings, ...result.learned };
  connection.credentials = { ...connection.credentials, ...result.credentials };
  return result;
}

/** Sends the plan's teardown requests; a failure is logged, the next one still runs, nothing throws. */
export async function runTeardown(plan: Plan, runtime: OperationRuntime, load: () => Promise<Connection>, logger: Logger): Promise<void> {
  let connection: Connection;
  try {
    connection = await load();
  } catch (err) {
    logger.warn({ connector: plan.id, err: (err as Error).message }, 'teardown skipped; disconnecting anyway');
    return;
  }
  for (const step of plan.teardown ?? []) {
    try {
      const rc = resolveConnection(plan, runtime.prepare?.(connection) ?? connection);
      await send(plan, runtime, rc, step, 'teardown');
      logger.info({ connector: plan.id, connection: connection.id, step: step.name }, 'teardown step done');
    } catch (err) {
      const e = stepError(plan, step, err, collectSecrets(connection), 'teardown');
      logger.warn({ connector: plan.id, connection: connection.id, step: step.name, kind: e.kind, status: e.status, err: e.message }, 'teardown step failed; disconnecting anyway');
    }
  }
}

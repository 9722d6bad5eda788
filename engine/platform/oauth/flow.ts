/**
 * The authorization-code consent flow, apart from HTTP: `start` checks the request and
 * returns the provider's authorize URL; `complete` consumes the state, exchanges the code,
 * stores the connection and checks it, and says where to send the user back.
 *
 * Decisions:
 * - The tokens are stored before the check runs. A failed check leaves the connection in
 *   status `error` (and says `check_failed` with its id), so an operator can fix its config
 *   and re-check without asking the user to consent again.
 * - A reconnect (same tenant, connector and connection name) replaces the token fields and
 *   keeps every other stored credential (e.g. a webhook secret).
 * - The client id and secret are copied into the connection's sealed credentials when the
 *   method's credentials schema takes them, because refreshing on use needs them.
 * - The connector's `setup` steps run after the exchange and before anything is stored, so a
 *   failed step (`setup_failed`) leaves no new connection and an old one untouched. Steps
 *   waiting for a choice store the connection in `needs_choice` and skip the check until then.
 * - The environment is fixed at `start` (its authorize URL is the first thing the user sees)
 *   and travels in the state.
 */
import { createPkcePair, exchangeAuthorizationCode, buildAuthorizeUrl } from '../../components/auth/oauth2-flow.js';
import type { ConnectionService } from '../connections/service.js';
import type { Engine } from '../../run/engine.js';
import { ConnectorError, isConnectorError, type ConnectorErrorInit } from '../../core/errors.js';
import type { HttpClient } from '../../run/http/client.js';
import { silentLogger, type Logger } from '../../core/log.js';
import type { Plan, PlanAuthMethod } from '../../plan/plan.js';
import { validateWith } from '../../run/operations/context.js';
import { redact } from '../../core/redact.js';
import { envPrefix, OPERATOR_APP, type OAuthApps, type ResolvedOAuthApp } from './apps.js';
import { checkHosts, manifestHosts, PINNED_HOSTS_SETTING, type HostRule } from '../../components/auth/oauth2-hosts.js';
import { methodTemplate } from '../../components/auth/common.js';
import { verifyCallbackSignature, type CallbackSignatureSpec } from '../../components/auth/oauth2-callback.js';
import { connectionCredentials, consentMethod, usesPkce } from './method.js';
import { matchesReturnUrl, withOutcome } from './return-urls.js';
import type { ConsumedState, OAuthStates } from './states.js';
import { chooseEnvironment } from '../../run/operations/context.js';
import { runSetup, type SetupResult } from '../connections/setup.js';
import { ENVIRONMENT_SETTING, storedEnvironment, type PendingChoice } from '../connections/settings.js';
import type { PlanEnvironment } from '../../plan/plan.js';

export type ConsentErrorCode =
  | 'access_denied'
  | 'authorization_failed'
  | 'invalid_state'
  | 'state_reused'
  | 'state_expired'
  | 'exchange_failed'
  | 'oauth_host_not_allowed'
  | 'invalid_issuer'
  | 'invalid_callback_signature'
  | 'setup_failed'
  | 'check_failed';

/** The host rule for the operator's app; a tenant's own app has none. */
export function appHostRule(connector: string, method: PlanAuthMethod, app: ResolvedOAuthApp): HostRule | undefined {
  if (app.owner !== OPERATOR_APP) return undefined;
  return { connector, allowed: [...manifestHosts(method), ...app.hosts], source: 'operator-app', envName: `${envPrefix(connector)}_HOSTS` };
}

const templateOf = (config: Record<string, unknown>, env?: PlanEnvironment) => ({ config, credentials: {}, settings: {}, ...(env ? { environment: { name: env.name } } : {}) });

/** A refusal at `start`, with the HTTP status and stable code the runtime answers with. */
export class OAuthFlowError extends ConnectorError {
  constructor(readonly code: string, readonly httpStatus: number, init: ConnectorErrorInit) {
    super(init);
    this.name = 'OAuthFlowError';
  }
}

export interface StartConsentInput {
  tenant: string;
  connector: string;
  connectionName: string;
  returnUrl: string;
  /** The runtime's callback URL, registered with the provider. */
  redirectUri: string;
  auth?: string;
  /** Config for a new connection (a reconnect keeps the stored one unless this is given). */
  config?: Record<string, unknown>;
  /** One of the connector's environments (a reconnect keeps the stored one unless this is given). */
  environment?: string;
}

export interface CallbackInput {
  state?: string;
  code?: string;
  error?: string;
  errorDescription?: string;
  /** RFC 9207 `iss`, when the provider sends it. */
  iss?: string;
  /** Every query parameter of the callback, for `setup` steps that capture one (an account id the provider adds to the redirect). */
  query?: Readonly<Record<string, unknown>>;
}

export type ConsentOutcome =
  /** No trustworthy return URL (unknown state): the runtime answers itself, never redirects. */
  | { kind: 'invalid_state' }
  | { kind: 'redirect'; location: string; error?: ConsentErrorCode; connectionId?: string; tenant: string; connector: string; pendingChoice?: PendingChoice };

export interface OAuthFlowDeps {
  engine: Pick<Engine, 'plans' | 'check' | 'requests'>;
  connections: ConnectionService;
  apps: OAuthApps;
  states: OAuthStates;
  /** For token endpoint calls; the runtime gives one behind the outbound guard. */
  http: HttpClient;
  logger?: Logger;
}

const MAX_DESCRIPTION = 300;
const withoutUndefined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
const clip = (s: string) => (s.length > MAX_DESCRIPTION ? `${s.slice(0, MAX_DESCRIPTION - 1)}…` : s);

export class OAuthFlow {
  private readonly logger: Logger;

  constructor(private readonly deps: OAuthFlowDeps) {
    this.logger = deps.logger ?? silentLogger;
  }

  private plan(connector: string): Plan {
    const plan = this.deps.engine.plans.get(connector);
    if (!plan) throw new OAuthFlowError('connector_not_found', 404, { kind: 'not_found', origin: 'caller', connector, message: `connector "${connector}" not found` });
    return plan;
  }

  private async existing(tenant: string, connector: string, name: string) {
    return this.deps.connections.findByName(tenant, connector, name);
  }

  async start(input: StartConsentInput): Promise<{ url: string; state: string; expiresAt: number }> {
    const plan = this.plan(input.connector);
    const existing = input.environment === undefined && plan.environments ? await this.existing(input.tenant, plan.id, input.connectionName) : undefined;
    let env: PlanEnvironment | undefined;
    try {
      env = chooseEnvironment(plan, input.environment ?? storedEnvironment(existing?.settings));
    } catch (err) {
      throw new OAuthFlowError('invalid_environment', 422, { kind: 'validation', origin: 'caller', connector: plan.id, message: (err as Error).message, details: [{ path: 'query.environment', message: (err as ConnectorError).details?.[0]?.message ?? 'is not an environment of this connector' }] });
    }
    let method: PlanAuthMethod;
    try {
      method = consentMethod(plan, input.auth, env);
    } catch (err) {
      throw new OAuthFlowError('not_oauth2', 422, { kind: 'validation', origin: 'caller', connector: plan.id, message: (err as Error).message, details: (err as ConnectorError).details });
    }
    const app = await this.deps.apps.resolve(input.tenant, plan.id);
    if (!app) {
      throw new OAuthFlowError('oauth_app_not_configured', 422, {
        kind: 'config', origin: 'caller',
        connector: plan.id,
        message: `no OAuth app is configured for connector ${plan.id}; the operator sets one with \`patchbay oauth-apps set ${plan.id}\` or ${'PATCHBAY_OAUTH_<CONNECTOR>_CLIENT_ID'}`,
      });
    }
    if (!matchesReturnUrl(input.returnUrl, app.returnUrls)) {
      throw new OAuthFlowError('return_url_not_allowed', 400, {
        kind: 'validation', origin: 'caller',
        connector: plan.id,
        message: `return_url is not registered for connector ${plan.id}'s OAuth app`,
        details: [{ path: 'query.return_url', message: 'is not a registered return URL' }],
      });
    }
    let config = input.config;
    if (config === undefined) config = (await this.existing(input.tenant, plan.id, input.connectionName))?.config ?? {};
    try {
      validateWith(plan.validateConfig, config, { prefix: 'config', kind: 'validation', origin: 'caller', label: 'connection config' });
    } catch (err) {
      throw new OAuthFlowError('invalid_config', 422, { kind: 'validation', origin: 'caller', connector: plan.id, message: (err as Error).message, details: (err as ConnectorError).details });
    }
    const rule = appHostRule(plan.id, method, app);
    if (rule) {
      try {
        checkHosts(rule, method, templateOf(config, env));
      } catch (err) {
        const e = err as ConnectorError;
        throw new OAuthFlowError('oauth_host_not_allowed', 422, { kind: 'config', origin: 'caller', connector: plan.id, message: e.message, details: [{ path: 'config', message: e.details?.[0]?.message ?? e.message }] });
      }
    }
    const pkce = usesPkce(method) ? createPkcePair() : undefined;
    const { state, expiresAt } = await this.deps.states.create({
      tenant: input.tenant,
      connector: plan.id,
      auth: method.name,
      connectionName: input.connectionName,
      returnUrl: input.returnUrl,
      redirectUri: input.redirectUri,
      codeVerifier: pkce?.verifier,
      config: input.config,
      ...(env ? { environment: env.name } : {}),
    });
    const url = buildAuthorizeUrl({
      method,
      clientId: app.clientId,
      redirectUri: input.redirectUri,
      state,
      codeChallenge: pkce?.challenge,
      scopes: app.scopes,
      template: templateOf(config, env),
    });
    this.logger.info({ tenant: input.tenant, connector: plan.id, auth: method.name, environment: env?.name, pkce: Boolean(pkce) }, 'oauth consent started');
    return { url, state, expiresAt };
  }

  async complete(input: CallbackInput): Promise<ConsentOutcome> {
    const consumed = await this.deps.states.consume(input.state);
    if (!consumed.ok) {
      if (consumed.reason === 'invalid_state') return { kind: 'invalid_state' };
      const description = consumed.reason === 'state_reused'
        ? 'this consent link was already used; start again'
        : 'the consent took too long and expired; start again';
      return this.finish(consumed, { error: consumed.reason, description });
    }
    const st = consumed.state;
    if (input.error !== undefined) {
      const denied = input.error === 'access_denied';
      const providerText = [input.error, input.errorDescription].filter(Boolean).join(': ');
      return this.finish(st, {
        error: denied ? 'access_denied' : 'authorization_failed',
        description: denied ? 'consent was refused' : `the provider refused the authorization: ${clip(providerText)}`,
      });
    }
    if (!input.code) return this.finish(st, { error: 'exchange_failed', description: 'the provider sent no authorization code' });

    let plan: Plan;
    let method: PlanAuthMethod;
    let app: ResolvedOAuthApp | undefined;
    let env: PlanEnvironment | undefined;
    try {
      plan = this.plan(st.connector);
      env = chooseEnvironment(plan, st.environment);
      method = consentMethod(plan, st.auth, env);
      app = await this.deps.apps.resolve(st.tenant, plan.id);
    } catch (err) {
      return this.finish(st, { error: 'exchange_failed', description: clip((err as Error).message) });
    }
    if (!app) return this.finish(st, { error: 'exchange_failed', description: `the OAuth app of connector ${st.connector} was removed during the consent` });

    const previous = await this.existing(st.tenant, plan.id, st.connectionName);
    const config = st.config ?? previous?.config ?? {};
    // RFC 9207: a manifest that names its issuer gets responses from that issuer only (mix-up defence).
    const expectedIssuer = methodTemplate(method, 'issuer')?.render(templateOf(config, env));
    if (expectedIssuer && input.iss !== expectedIssuer) {
      const got = input.iss === undefined ? 'no iss parameter' : `iss ${JSON.stringify(clip(input.iss))}`;
      return this.finish(st, { error: 'invalid_issuer', description: `the authorization response came with ${got}, expected ${expectedIssuer}` });
    }
    // A signed callback (`callback_signature`) is checked before its code is used for anything.
    const signature = method.spec.callback_signature as CallbackSignatureSpec | undefined;
    if (signature) {
      const key = methodTemplate(method, 'callback_signature.secret')?.render({ ...templateOf(config, env), app: { client_id: app.clientId, client_secret: app.clientSecret ?? '' } }) ?? '';
      const verdict = verifyCallbackSignature(signature, key, input.query ?? {});
      if (!verdict.ok) return this.finish(st, { error: 'invalid_callback_signature', description: verdict.reason });
    }
    const rule = appHostRule(plan.id, method, app);
    let pinned: string[] | undefined;
    try {
      if (rule) pinned = checkHosts(rule, method, templateOf(config, env));
    } catch (err) {
      return this.finish(st, { error: 'oauth_host_not_allowed', description: clip((err as Error).message) });
    }
    let exchanged: Awaited<ReturnType<typeof exchangeAuthorizationCode>>;
    try {
      exchanged = await exchangeAuthorizationCode({
        method,
        code: input.code,
        redirectUri: st.redirectUri,
        codeVerifier: st.codeVerifier,
        clientId: app.clientId,
        clientSecret: app.clientSecret,
        ctx: { template: templateOf(config, env), http: this.deps.http },
        hostRule: rule,
        connector: plan.id,
      });
    } catch (err) {
      const secrets = [input.code, st.codeVerifier ?? '', app.clientSecret ?? ''].filter((s) => s !== '');
      return this.finish(st, { error: 'exchange_failed', description: clip(redact((err as Error).message, secrets)) });
    }

    // The hosts this consent was allowed are kept, so a later config change cannot move a refresh elsewhere.
    const tokenSettings: Record<string, unknown> = { ...exchanged.settings, [PINNED_HOSTS_SETTING]: pinned };
    let setup: SetupResult | undefined;
    if (plan.setup) {
      try {
        const credentials = connectionCredentials(method, previous ? (await this.deps.connections.resolve({ tenant: st.tenant, id: previous.id })).connection.credentials ?? {} : {}, app, exchanged.credentials);
        const draft = { connector: plan.id, tenant: st.tenant, auth: method.name, config, credentials, settings: { ...previous?.settings, ...withoutUndefined(tokenSettings) }, ...(env ? { environment: env.name } : {}) };
        setup = await runSetup(plan, this.deps.engine.requests, draft, { callback: input.query ?? {}, app: { client_id: app.clientId, client_secret: app.clientSecret ?? '' } });
      } catch (err) {
        return this.finish(st, { error: 'setup_failed', description: clip(this.safeMessage(err, exchanged.credentials, app)) });
      }
    }
    let id: string;
    try {
      const learned = { ...tokenSettings, ...setup?.learned };
      id = await this.store(st, method, app, config, { credentials: { ...exchanged.credentials, ...setup?.credentials }, settings: learned }, previous?.id, { env, setup });
    } catch (err) {
      return this.finish(st, { error: 'check_failed', description: clip(this.safeMessage(err, exchanged.credentials, app)) });
    }
    if (setup?.pending) return this.finish(st, { connectionId: id, pendingChoice: setup.pending });
    const { scope, connection } = await this.deps.connections.resolve({ tenant: st.tenant, id });
    try {
      const checked = (await this.deps.engine.check(connection)) as { settings?: Record<string, unknown> } | undefined;
      await this.deps.connections.learn(scope, id, checked?.settings, 'check');
      await this.deps.connections.markActive(scope, id);
    } catch (err) {
      await this.deps.connections.markError(scope, id, err, connection);
      return this.finish(st, { error: 'check_failed', description: clip(this.safeMessage(err, connection.credentials ?? {}, app)), connectionId: id });
    }
    return this.finish(st, { connectionId: id });
  }

  private safeMessage(err: unknown, credentials: Record<string, unknown>, app: ResolvedOAuthApp): string {
    const values = [...Object.values(credentials), app.clientSecret].filter((v): v is string => typeof v === 'string' && v !== '');
    return redact(err instanceof Error ? err.message : String(err), values);
  }

  /** Creates or updates the tenant's connection of that name with the new tokens; returns its id. */
  private async store(
    st: ConsumedState,
    method: PlanAuthMethod,
    app: ResolvedOAuthApp,
    config: Record<string, unknown>,
    exchanged: { credentials: Record<string, unknown>; settings: Record<string, unknown> },
    existingId: string | undefined,
    { env, setup }: { env?: PlanEnvironment; setup?: SetupResult },
  ): Promise<string> {
    const { connections } = this.deps;
    const setupDone = { pendingChoice: setup?.pending };
    // Captured callback values came through the browser: plain settings, never `learned`.
    const captured = { ...setup?.settings, ...(env ? { [ENVIRONMENT_SETTING]: env.name } : {}) };
    const update = async (id: string) => {
      const { info, connection } = await connections.resolve({ tenant: st.tenant, id });
      await connections.update({ tenant: st.tenant, id }, {
        auth: method.name,
        config: st.config,
        credentials: connectionCredentials(method, connection.credentials ?? {}, app, exchanged.credentials),
        settings: { ...info.settings, ...captured },
        learned: withoutUndefined(exchanged.settings),
        skipCheck: true,
        setupDone,
      });
      return id;
    };
    if (existingId) return update(existingId);
    try {
      const info = await connections.create({
        tenant: st.tenant,
        connector: st.connector,
        name: st.connectionName,
        auth: method.name,
        config,
        credentials: connectionCredentials(method, {}, app, exchanged.credentials),
        settings: captured,
        learned: withoutUndefined(exchanged.settings),
        skipCheck: true,
        environment: env?.name,
        setupDone,
      });
      return info.id;
    } catch (err) {
      // Two consents for the same new name raced: the second one reconnects the first.
      if (!isConnectorError(err) || err.kind !== 'conflict') throw err;
      const raced = await this.existing(st.tenant, st.connector, st.connectionName);
      if (!raced) throw err;
      return update(raced.id);
    }
  }

  private finish(
    st: { returnUrl: string; tenant: string; connector: string },
    outcome: { error?: ConsentErrorCode; description?: string; connectionId?: string; pendingChoice?: PendingChoice },
  ): ConsentOutcome {
    // `needs_choice`: the host shows the connection's pending options and posts the user's pick.
    const location = withOutcome(st.returnUrl, {
      status: outcome.error ? 'error' : outcome.pendingChoice ? 'needs_choice' : 'success',
      connection_id: outcome.connectionId,
      error: outcome.error,
      error_description: outcome.description,
    });
    const line = { tenant: st.tenant, connector: st.connector, connection: outcome.connectionId, error: outcome.error };
    if (outcome.error) this.logger.warn(line, 'oauth consent failed');
    else this.logger.info(line, 'oauth consent completed');
    return { kind: 'redirect', location, error: outcome.error, connectionId: outcome.connectionId, tenant: st.tenant, connector: st.connector, ...(outcome.pendingChoice ? { pendingChoice: outcome.pendingChoice } : {}) };
  }
}

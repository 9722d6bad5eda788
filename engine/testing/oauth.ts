/**
 * Runs an `oauth:` case through the platform's real consent flow (engine/platform/oauth/flow.ts)
 * over an in-memory store: `start` builds the authorize URL and stores the state, the
 * callback is answered with the case's `callback` (its `state` the authorize URL's own unless
 * the case says otherwise), the code is exchanged and the new connection checked. The plan
 * arrives with its token URLs on the scripted server (redirect.ts), and the token client
 * refuses any other origin besides, so a consent case cannot reach the provider.
 */
import { randomBytes } from 'node:crypto';
import { ConnectorError } from '../core/errors.js';
import type { OutboundRequest, InboundResponse } from '../core/wire.js';
import { preparingConnections, type Engine } from '../run/engine.js';
import { HttpClient } from '../run/http/client.js';
import { createPlatform } from '../platform/platform.js';
import { OAuthApps } from '../platform/oauth/apps.js';
import { OAuthFlow, OAuthFlowError } from '../platform/oauth/flow.js';
import { OAuthStates } from '../platform/oauth/states.js';
import { OAuthAppsRepo } from '../platform/store/oauth-apps.js';
import { OAuthStatesRepo } from '../platform/store/oauth-states.js';
import type { Plan } from '../plan/plan.js';
import { scriptedBaseUrl } from './redirect.js';
import { RESERVED_SETTING_PREFIX, storedChoice } from '../platform/connections/settings.js';
import type { TestCase, TestSuite } from './types.js';
import { TEST_TENANT } from './webhook.js';

export const DEFAULT_REDIRECT_URI = 'https://patchbay.example.com/v1/oauth/callback';
export const DEFAULT_RETURN_URL = 'https://app.example.com/connected';

export interface ConsentOutcome {
  /** The authorize URL, or undefined when `start` refused. */
  authorizeUrl?: string;
  /** `status`, `error`, `error_description` of the return URL; a refused `start` as `error`. */
  consent: { status: 'success' | 'error' | 'needs_choice'; error?: string; error_description?: string; options?: Array<{ id: string; label?: string }> };
  credentials?: Record<string, unknown>;
  settings?: Record<string, unknown>;
}

/** A token client that sends to the scripted server only. */
class ScriptedOnlyClient extends HttpClient {
  constructor(private readonly origin: string) {
    super({});
  }

  override send(req: OutboundRequest, opts: Parameters<HttpClient['send']>[1]): Promise<InboundResponse> {
    if (req.url !== this.origin && !req.url.startsWith(`${this.origin}/`)) {
      return Promise.reject(new ConnectorError({ kind: 'config', origin: 'caller', message: `the test runner refuses to send ${req.method} ${new URL(req.url).origin} from an oauth case: only the scripted server is called` }));
    }
    return super.send(req, opts);
  }
}

/** Connections the flow creates have no base URL setting: the engine is told the scripted server's. */
function onScripted(engine: Engine, plan: Plan, serverUrl: string): Engine {
  const point = <C extends Parameters<Engine['check']>[0]>(conn: C): C => {
    if (conn.baseUrl === undefined) conn.baseUrl = scriptedBaseUrl(plan, { config: conn.config ?? {}, credentials: conn.credentials ?? {}, settings: conn.settings ?? {} }, serverUrl, conn.environment);
    return conn;
  };
  return preparingConnections(engine, point);
}

function outcomeOf(location: string): ConsentOutcome['consent'] {
  const q = new URL(location).searchParams;
  return {
    status: q.get('status') === 'success' ? 'success' : q.get('status') === 'needs_choice' ? 'needs_choice' : 'error',
    ...(q.get('error') !== null ? { error: q.get('error')! } : {}),
    ...(q.get('error_description') !== null ? { error_description: q.get('error_description')! } : {}),
  };
}

export async function runConsent(plan: Plan, suite: TestSuite, testCase: TestCase, serverUrl: string): Promise<ConsentOutcome> {
  const o = testCase.oauth!;
  const d = suite.defaults;
  const http = new ScriptedOnlyClient(serverUrl);
  const platform = await createPlatform({
    database: 'sqlite::memory:',
    connectors: [plan],
    wrapEngine: (engine) => onScripted(engine, plan, serverUrl),
    secretKeys: `t1:${randomBytes(32).toString('base64')}`,
    warn: () => undefined,
  });
  try {
    // The operator's connector secrets, as set-up and consent requests see them (an app secret's proof).
    if (testCase.secrets) await platform.webhooks.connectorSecrets.set(plan, testCase.secrets);
    // An empty environment: no operator app (PATCHBAY_OAUTH_*) of the machine running the tests joins in.
    const apps = new OAuthApps(new OAuthAppsRepo(platform.store, platform.vault), {});
    const returnUrl = o.return_url ?? DEFAULT_RETURN_URL;
    await apps.set(plan.id, {
      clientId: o.app.client_id,
      ...(o.app.client_secret !== undefined ? { clientSecret: o.app.client_secret } : {}),
      returnUrls: [returnUrl],
      ...(o.app.scopes !== undefined ? { scopes: o.app.scopes } : {}),
    }, { tenant: TEST_TENANT });
    const states = new OAuthStates(new OAuthStatesRepo(platform.store, platform.vault));
    const flow = new OAuthFlow({ engine: platform.engine, connections: platform.connections, apps, states, http });
    const auth = testCase.auth ?? d.auth;
    let started: { url: string; state: string };
    try {
      started = await flow.start({
        tenant: TEST_TENANT,
        connector: plan.id,
        connectionName: 'test',
        returnUrl,
        redirectUri: o.redirect_uri ?? DEFAULT_REDIRECT_URI,
        ...(auth !== undefined ? { auth } : {}),
        ...((testCase.environment ?? d.environment) !== undefined ? { environment: testCase.environment ?? d.environment } : {}),
        config: { ...d.config, ...testCase.config },
      });
    } catch (err) {
      if (err instanceof OAuthFlowError) return { consent: { status: 'error', error: err.code, error_description: err.message } };
      throw err;
    }
    if (!o.callback) return { authorizeUrl: started.url, consent: { status: 'success' } };
    const cb = o.callback;
    const done = await flow.complete({
      state: cb.state ?? started.state,
      ...(cb.code !== undefined ? { code: cb.code } : {}),
      ...(cb.error !== undefined ? { error: cb.error } : {}),
      ...(cb.error_description !== undefined ? { errorDescription: cb.error_description } : {}),
      ...(cb.iss !== undefined ? { iss: cb.iss } : {}),
      // What a browser brings back: the code and state beside whatever else the provider adds.
      query: { ...cb.query, ...(cb.code !== undefined ? { code: cb.code } : {}), state: cb.state ?? started.state },
    });
    if (done.kind === 'invalid_state') return { authorizeUrl: started.url, consent: { status: 'error', error: 'invalid_state' } };
    const out: ConsentOutcome = { authorizeUrl: started.url, consent: outcomeOf(done.location) };
    if (done.connectionId) {
      const { info, connection } = await platform.connections.resolve({ tenant: TEST_TENANT, id: done.connectionId });
      out.credentials = connection.credentials ?? {};
      // The platform's own bookkeeping (a pending choice, the environment) is not the provider's.
      out.settings = Object.fromEntries(Object.entries(info.settings ?? {}).filter(([k]) => !k.startsWith(RESERVED_SETTING_PREFIX)));
      const choice = storedChoice(info.settings);
      if (choice) out.consent = { ...out.consent, options: choice.options.map((o) => ({ id: o.id, ...(o.label !== undefined ? { label: o.label } : {}) })) };
    }
    return out;
  } finally {
    http.close();
    await platform.close();
  }
}

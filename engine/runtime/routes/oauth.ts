/**
 * OAuth2 consent over HTTP. The design, kept simple and secure:
 *
 * 1. The host's backend calls `GET /v1/oauth/:connector/authorize` with its API key (a tenant
 *    key, or the admin key naming the tenant) and sends the user's browser to the URL in the
 *    302's `Location` (or in the JSON body with `redirect=false`). The API key never reaches
 *    the browser; the state in that URL is single use and expires in 10 minutes.
 * 2. The provider sends the browser to the public `GET /v1/oauth/callback`, authorised by the
 *    state alone. The runtime answers with a redirect to the return URL given at step 1
 *    (which must be registered for the connector's OAuth app), carrying
 *    `status=success&connection_id=…` or `status=error&error=…&error_description=…`.
 *
 * A host binds the outcome to its own user session by putting its own nonce in the return
 * URL's query (exact registrations match any query) and checking it when the user returns.
 * An unknown state cannot be trusted to name a return URL, so it gets a 400, never a redirect.
 */
import type { Context } from 'koa';
import { HttpProblem } from '../problem.js';
import { defineRoute, type RouteDef, type RouteRequest } from '../route.js';
import { Name } from '../schemas.js';
import { OAuthFlowError } from '../../platform/oauth/flow.js';
import { oauthFor } from '../oauth/context.js';

const AuthorizeQuery = {
  type: 'object',
  required: ['connection_name', 'return_url'],
  additionalProperties: false,
  properties: {
    connection_name: { type: 'string', minLength: 1, maxLength: 200, description: 'Name of the connection to create, or to reconnect when the tenant already has one of that name.' },
    return_url: { type: 'string', minLength: 1, maxLength: 2000, description: "Where the user is sent back; must match one of the OAuth app's registered return URLs." },
    auth: { ...Name, description: "The connector's OAuth2 auth method; default its default method, else its first OAuth2 one." },
    config: { type: 'string', maxLength: 8000, description: 'Connection config as a JSON object (a new connection; a reconnect keeps the stored config unless given).' },
    environment: { ...Name, description: "One of the connector's environments (its OAuth endpoints and API host); default the connector's default, or the stored one on a reconnect." },
    redirect: { type: 'boolean', default: true, description: 'false: answer 200 with the URL as JSON instead of a 302.' },
  },
} as const;

const CallbackQuery = {
  type: 'object',
  // Providers add their own parameters (scope, iss, hmac, …): accept and ignore them.
  additionalProperties: true,
  properties: {
    state: { type: 'string', maxLength: 1000 },
    code: { type: 'string', maxLength: 4000 },
    error: { type: 'string', maxLength: 200 },
    error_description: { type: 'string', maxLength: 2000 },
    iss: { type: 'string', maxLength: 2000 },
  },
} as const;

const location = { description: 'Where the browser goes next.', schema: { type: 'string', format: 'uri' } };

function parseConfig(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpProblem(400, 'invalid_query', 'config must be a JSON object', [{ path: 'query.config', message: 'must be a JSON object' }]);
  }
  return value as Record<string, unknown>;
}

function redirectTo(ctx: Context, url: string): undefined {
  // The callback URL carries a code and the authorize URL a state: neither may be cached or leak as a referrer.
  ctx.set('cache-control', 'no-store');
  ctx.set('referrer-policy', 'no-referrer');
  ctx.redirect(url);
  return undefined;
}

type AuthorizeRequest = RouteRequest<{ connector: string }, { connection_name: string; return_url: string; auth?: string; config?: string; environment?: string; redirect: boolean }>;
type CallbackRequest = RouteRequest<Record<string, string>, { state?: string; code?: string; error?: string; error_description?: string; iss?: string }>;

export const routes: RouteDef[] = [
  defineRoute({
    id: 'oauthAuthorize',
    method: 'GET',
    path: '/v1/oauth/:connector/authorize',
    summary: "Start an OAuth2 consent: redirect to the provider's authorize page",
    description:
      'Answers 302 to the provider with a fresh single-use `state` (10 minutes) and PKCE (S256) unless the manifest turns it off. ' +
      "Send the user's browser there; the provider returns it to `/v1/oauth/callback`, which redirects to `return_url`.",
    tags: ['oauth'],
    params: { type: 'object', required: ['connector'], properties: { connector: { ...Name, description: 'Connector id.' } } },
    query: AuthorizeQuery,
    responses: {
      200: {
        description: 'The authorize URL (with `redirect=false`)',
        schema: {
          type: 'object',
          required: ['authorize_url', 'expires_at'],
          properties: { authorize_url: { type: 'string', format: 'uri' }, expires_at: { type: 'string', format: 'date-time' } },
        },
      },
      302: { description: "Redirect to the provider's authorize page", headers: { location } },
    },
    problems: [400, 404, 422],
    handler: async (req: AuthorizeRequest, ctx) => {
      const rt = oauthFor(req.services);
      let started: { url: string; expiresAt: number };
      try {
        started = await rt.flow.start({
          tenant: req.tenant,
          connector: req.params.connector,
          connectionName: req.query.connection_name,
          returnUrl: req.query.return_url,
          // Never from the request's Host header: a forged one would make the provider send the code elsewhere.
          redirectUri: rt.callbackUrl(ctx.req.socket),
          auth: req.query.auth,
          config: parseConfig(req.query.config),
          environment: req.query.environment,
        });
      } catch (err) {
        if (err instanceof OAuthFlowError) throw new HttpProblem(err.httpStatus, err.code, err.message, err.details);
        throw err;
      }
      if (req.query.redirect === false) {
        ctx.set('cache-control', 'no-store');
        return { status: 200, body: { authorize_url: started.url, expires_at: new Date(started.expiresAt).toISOString() } };
      }
      return redirectTo(ctx, started.url);
    },
  }),
  defineRoute({
    id: 'oauthCallback',
    method: 'GET',
    path: '/v1/oauth/callback',
    summary: 'OAuth2 redirect URI: finish the consent and send the user back',
    description:
      'Consumes the state, exchanges the code, stores the sealed tokens in the connection, runs its check, and redirects to the return URL with ' +
      '`status=success&connection_id=…`, `status=needs_choice&connection_id=…` (a set-up step found several accounts: GET the connection for its `pending_choice`, then POST its choice) ' +
      'or `status=error&error=access_denied|authorization_failed|state_reused|state_expired|exchange_failed|invalid_issuer|invalid_callback_signature|setup_failed|check_failed&error_description=…`. ' +
      'An unknown state is a 400 (`invalid_state`): without it there is no trustworthy return URL.',
    tags: ['oauth'],
    access: 'public',
    query: CallbackQuery,
    responses: { 302: { description: 'Redirect to the return URL with the outcome', headers: { location } } },
    problems: [400],
    handler: async (req: CallbackRequest, ctx) => {
      const outcome = await oauthFor(req.services).flow.complete({
        state: req.query.state,
        code: req.query.code,
        error: req.query.error,
        errorDescription: req.query.error_description,
        iss: req.query.iss,
        query: req.query,
      });
      if (outcome.kind === 'invalid_state') {
        ctx.set('cache-control', 'no-store');
        throw new HttpProblem(400, 'invalid_state', 'the OAuth state is missing or unknown; start the consent again');
      }
      return redirectTo(ctx, outcome.location);
    },
  }),
];

/** Which auth method a consent flow runs, and the credentials it stores for a connection. */
import { ConnectorError } from '../../core/errors.js';
import type { Plan, PlanAuthMethod, PlanEnvironment } from '../../plan/plan.js';
import type { ResolvedOAuthApp } from './apps.js';
import { authKinds } from '../../components/auth/registry.js';

/** Fields a token response sets; a reconnect replaces all of them, never mixes old and new. */
export const TOKEN_FIELDS = ['access_token', 'refresh_token', 'expires_at', 'scope', 'token_type'] as const;

/** The kind says: a method whose kind has no consent flow is never one (fails closed). */
export function isConsentMethod(m: PlanAuthMethod): boolean {
  return authKinds.get(m.type)?.consent?.(m) === true;
}

/**
 * The named method, else the default one when it is an authorization-code method, else the
 * first such; as the environment declares it (its OAuth URLs) when there is one.
 */
export function consentMethod(plan: Plan, auth?: string, environment?: PlanEnvironment): PlanAuthMethod {
  const table = environment?.methods ?? plan.auth.methods;
  const methods = Object.values(table);
  if (auth !== undefined) {
    const m = Object.hasOwn(table, auth) ? table[auth] : undefined;
    if (!m || !isConsentMethod(m)) {
      const known = methods.filter(isConsentMethod).map((x) => x.name);
      throw new ConnectorError({
        kind: 'validation', origin: 'caller',
        connector: plan.id,
        message: `connector ${plan.id} has no OAuth2 authorization-code auth method "${auth}"; available: ${known.join(', ') || '(none)'}`,
        details: [{ path: 'auth', message: 'is not an OAuth2 authorization-code method of this connector' }],
      });
    }
    return m;
  }
  const preferred = table[plan.auth.defaultMethod];
  const m = preferred && isConsentMethod(preferred) ? preferred : methods.find(isConsentMethod);
  if (!m) {
    throw new ConnectorError({ kind: 'validation', origin: 'caller', connector: plan.id, message: `connector ${plan.id} has no OAuth2 authorization-code auth method` });
  }
  return m;
}

export const usesPkce = (m: PlanAuthMethod) => m.spec.pkce !== false;

function accepts(method: PlanAuthMethod, field: string): boolean {
  const schema = method.credentialsSchema as { properties?: Record<string, unknown>; additionalProperties?: unknown } | undefined;
  return !schema || schema.properties?.[field] !== undefined || schema.additionalProperties !== false;
}

/**
 * Credentials for the connection: what it had (minus old token fields), the app's client id
 * and secret where the method's credentials take them (refreshing on use needs them), and
 * the new tokens.
 */
export function connectionCredentials(
  method: PlanAuthMethod,
  previous: Record<string, unknown>,
  app: ResolvedOAuthApp,
  tokens: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...previous };
  for (const f of TOKEN_FIELDS) delete out[f];
  if (accepts(method, 'client_id')) out.client_id = app.clientId;
  if (app.clientSecret !== undefined && accepts(method, 'client_secret')) out.client_secret = app.clientSecret;
  return { ...out, ...tokens };
}

/**
 * The auth family: the fields every method shares, the built-in strategies, and
 * `registerAuthStrategy` for hosts. A new kind is one file (its definition, see types.ts);
 * a built-in one is also one line in BUILTIN_AUTH. Schema, docs, field catalogue and
 * compiler read this registry, so the request path never branches on the kind.
 */
import { Family, literal, schemaOf, secret } from '../kit.js';
import type { PlanAuthMethod } from '../../plan/plan.js';
import { apiKeyStrategy } from './api-key.js';
import { awsSigV4Strategy } from './aws-sigv4.js';
import { basicStrategy } from './basic.js';
import { bearerStrategy } from './bearer.js';
import { noneStrategy } from './none.js';
import { oauth2Strategy } from './oauth2.js';
import { applyAuthQuery, AUTH_REQUEST_ROOTS, AUTH_ROOTS } from './common.js';
import type { AuthKind, AuthStrategy } from './types.js';

export const authKinds = new Family<AuthKind>({
  name: 'auth',
  unionDef: 'auth_method',
  prefix: 'auth_',
  description: 'One auth strategy.',
  typeDescription: () => 'Auth strategy.',
  sharedPosition: 'before',
  shared: {
    label: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Human name of this auth method, shown when a user connects.' }),
    description: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'What this method needs from the user.' }),
    credentials: literal({
      schema: schemaOf<object>({ $ref: '#/$defs/json_schema' }),
      description: 'JSON Schema of the secrets this method needs (merged with the top-level credentials schema). Values are sealed at rest and never shown.',
    }),
    query: secret({
      map: true,
      roots: AUTH_REQUEST_ROOTS,
      context: 'auth request',
      description: 'Query parameters sent with every request besides the method\'s credentials (redacted like them); they may read the operator\'s connector secrets as `secrets.*`, e.g. a token proof `appsecret_proof: "{{hmac_sha256 secrets.app_secret credentials.access_token}}"`. A value that renders empty is not sent.',
    }),
  },
  roots: AUTH_ROOTS,
  context: 'auth',
});

export const BUILTIN_AUTH = [noneStrategy, apiKeyStrategy, basicStrategy, bearerStrategy, oauth2Strategy, awsSigV4Strategy] as const;

/** The built-in auth types; a method's `type` is any registered one. */
export type BuiltinAuthType = (typeof BUILTIN_AUTH)[number]['type'];

for (const k of BUILTIN_AUTH) authKinds.register(k, { builtin: true });

/** Registers an auth kind: a definition with fields, or a bare strategy (no fields of its own). */
export function registerAuthStrategy(strategy: AuthKind | AuthStrategy): void {
  authKinds.register(strategy);
}

/** Each kind as sent: its own `apply`, then the family's shared `query`. */
const sending = new WeakMap<AuthStrategy, AuthStrategy>();

export function getAuthStrategy(type: string): AuthStrategy {
  const kind = authKinds.require(type);
  let s = sending.get(kind);
  if (!s) {
    // Prototype delegation keeps the kind's other members (and a host class's methods) as they are.
    const wrapped = Object.create(kind) as AuthStrategy & { apply: AuthStrategy['apply'] };
    const shared = kind.shared !== false;
    wrapped.apply = kind.signsRequest
      ? async (req, ctx) => {
        if (shared) applyAuthQuery(req, ctx);
        await kind.apply(req, ctx);
      }
      : async (req, ctx) => {
        await kind.apply(req, ctx);
        if (shared) applyAuthQuery(req, ctx);
      };
    sending.set(kind, (s = wrapped));
  }
  return s;
}

export function authStrategyFor(method: PlanAuthMethod): AuthStrategy {
  return getAuthStrategy(method.type);
}

export function authTypes(): string[] {
  return authKinds.types();
}

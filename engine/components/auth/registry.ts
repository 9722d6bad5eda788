/**
 * Auth strategies by manifest `type`. Built-ins register here; a new kind is a new file and
 * one `registerAuthStrategy` call, never a branch in the request path.
 */
import { ConnectorError } from '../../core/errors.js';
import type { AuthType, PlanAuthMethod } from '../../plan/plan.js';
import { apiKeyStrategy } from './api-key.js';
import { basicStrategy } from './basic.js';
import { bearerStrategy } from './bearer.js';
import { noneStrategy } from './none.js';
import { oauth2Strategy } from './oauth2.js';
import type { AuthStrategy } from './types.js';

const strategies = new Map<string, AuthStrategy>();

export function registerAuthStrategy(strategy: AuthStrategy): void {
  strategies.set(strategy.type, strategy);
}

export function getAuthStrategy(type: AuthType | string): AuthStrategy {
  const s = strategies.get(type);
  if (!s) {
    throw new ConnectorError({ kind: 'config', origin: 'manifest', message: `unknown auth type "${type}"; known: ${[...strategies.keys()].join(', ')}` });
  }
  return s;
}

export function authStrategyFor(method: PlanAuthMethod): AuthStrategy {
  return getAuthStrategy(method.type);
}

export function authTypes(): string[] {
  return [...strategies.keys()];
}

for (const s of [noneStrategy, apiKeyStrategy, basicStrategy, bearerStrategy, oauth2Strategy]) registerAuthStrategy(s);

/** Subscription event patterns: literal type names where `*` stands for any run of characters. */
import { ConnectorError } from '../../core/errors.js';
import { wildcardMatch } from '../../core/wildcard.js';

const PATTERN = /^[A-Za-z0-9_.:*\-/]{1,200}$/;

/** Linear in pattern × type length (engine/core/wildcard.ts); no regex is built from tenant text. */
export function matchesAny(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => wildcardMatch(p, type));
}

export function checkPatterns(events: unknown): string[] {
  if (!Array.isArray(events) || events.length === 0 || events.length > 100) {
    throw new ConnectorError({ kind: 'validation', origin: 'caller', message: 'events must list 1 to 100 event type patterns', details: [{ path: '/events', message: 'expected 1 to 100 patterns' }] });
  }
  const bad = events.findIndex((e) => typeof e !== 'string' || !PATTERN.test(e));
  if (bad >= 0) {
    throw new ConnectorError({
      kind: 'validation', origin: 'caller',
      message: `events[${bad}] is not an event type pattern: use letters, digits, . _ : - / and * (e.g. "ticket.*")`,
      details: [{ path: `/events/${bad}`, message: 'invalid pattern' }],
    });
  }
  return [...new Set(events as string[])];
}

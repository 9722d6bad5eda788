/**
 * Compares an OAuth consent with an `oauth:` case's `expect`: the authorize URL piece by
 * piece (a random `state` or PKCE challenge asserted present), how the callback ended, and
 * what the connection holds afterwards (the keys named).
 */
import { diff, diffNamed, show } from './compare.js';
import { compareParams, flatPairs } from './match.js';
import type { CaseExpectation } from './types.js';
import type { ConsentOutcome } from './oauth.js';

export function describeConsentOutcome(o: ConsentOutcome): string {
  return `ended with ${o.consent.status}${o.consent.error ? ` (${o.consent.error}: ${show(o.consent.error_description ?? '')})` : ''}`;
}

export function checkConsentExpectation(expect: CaseExpectation, o: ConsentOutcome): string[] {
  const out: string[] = [];
  const want = expect.authorize_url;
  if (want) {
    if (!o.authorizeUrl) out.push(`authorize_url: expected one, but the consent did not start: ${describeConsentOutcome(o)}`);
    else {
      const u = new URL(o.authorizeUrl);
      if (want.origin !== undefined && want.origin !== u.origin) out.push(`authorize_url.origin: expected ${show(want.origin)}, got ${show(u.origin)}`);
      if (want.path !== undefined && want.path !== u.pathname) out.push(`authorize_url.path: expected ${show(want.path)}, got ${show(u.pathname)}`);
      if (want.query !== undefined) out.push(...compareParams(want.query, flatPairs(u.search.slice(1)), 'authorize_url.query'));
    }
  }
  const c = expect.consent;
  if (c) {
    if (c.status !== undefined && c.status !== o.consent.status) out.push(`consent.status: expected ${show(c.status)}, got ${show(o.consent.status)} (${describeConsentOutcome(o)})`);
    if (c.error !== undefined) diff(c.error, o.consent.error, 'consent.error', out);
    if (c.options !== undefined) diff(c.options, o.consent.options ?? [], 'consent.options', out);
    if (c.error_description_contains !== undefined && !(o.consent.error_description ?? '').includes(c.error_description_contains)) {
      out.push(`consent.error_description: expected to contain ${show(c.error_description_contains)}, got ${show(o.consent.error_description)}`);
    }
  } else if (o.consent.status !== 'success') out.push(`the consent ${describeConsentOutcome(o)}`);
  if (expect.credentials !== undefined) diffNamed(expect.credentials, o.credentials, 'credentials', out);
  if (expect.settings !== undefined) diffNamed(expect.settings, o.settings, 'settings', out);
  return out;
}

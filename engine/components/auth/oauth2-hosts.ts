/**
 * Which hosts may receive an operator's OAuth client (its id, and above all its secret).
 * A tenant controls config, and config may be templated into the authorize, token, refresh
 * and revoke URLs (a self-hosted instance's URL, a per-customer shop domain): without this rule a
 * tenant could name its own host and be sent the operator's client secret in the code
 * exchange.
 *
 * Allowed, for an operator's app:
 * - the manifest's `hosts` (`api.example.com`, `*.shops.example.com`: `*` is exactly one DNS label,
 *   an optional `:port` pins the port); without `hosts`, the hosts the URL templates give
 *   with an empty config, i.e. what the manifest itself fixes (`example.com` for
 *   `{{default config.web_url "https://example.com"}}`);
 * - the operator's own list for the app (`PATCHBAY_OAUTH_<CONNECTOR>_HOSTS`).
 * A tenant's own app goes wherever its config says (it is the tenant's secret). A consent
 * with the operator's app pins the hosts it used in the connection's settings
 * (`oauth_hosts`), so a later change of config cannot redirect a refresh either.
 */
import { ConnectorError } from '../../core/errors.js';
import type { PlanAuthMethod } from '../../plan/plan.js';
import type { TemplateContext } from '../../lang/template.js';
import { methodTemplate } from './common.js';

export const OAUTH_URLS = ['authorize_url', 'token_url', 'refresh_url', 'revoke_url'] as const;
export type OAuthUrlField = (typeof OAUTH_URLS)[number];

/** The settings key holding the hosts a consent with the operator's app was allowed to use. */
export const PINNED_HOSTS_SETTING = 'oauth_hosts';

const PATTERN = /^(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/;

export function isHostPattern(p: string): boolean {
  return PATTERN.test(p.trim().toLowerCase());
}

/** `host` is a URL's `host` (name, optional port); patterns as described above. */
export function hostMatches(host: string, pattern: string): boolean {
  const m = PATTERN.exec(pattern.trim().toLowerCase());
  if (!m) return false;
  const u = safeUrl(`https://${host}`);
  if (!u) return false;
  const name = u.hostname.replace(/\.$/, '');
  if (m[3] !== undefined && u.port !== m[3] && !(u.port === '' && m[3] === '443')) return false;
  if (m[1] === undefined) return name === m[2];
  const dot = name.indexOf('.');
  return dot > 0 && name.slice(dot + 1) === m[2];
}

function safeUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

function render(method: PlanAuthMethod, field: OAuthUrlField, tctx: TemplateContext): string | undefined {
  try {
    return methodTemplate(method, field)?.render(tctx) || undefined;
  } catch {
    return undefined;
  }
}

/** The manifest's host patterns for the method's OAuth URLs (see the module comment). */
export function manifestHosts(method: PlanAuthMethod): string[] {
  const declared = method.spec.hosts;
  if (Array.isArray(declared)) return declared.filter((h): h is string => typeof h === 'string');
  const empty: TemplateContext = { config: {}, credentials: {}, settings: {} };
  const hosts = new Set<string>();
  for (const f of OAUTH_URLS) {
    const u = safeUrl(render(method, f, empty) ?? '');
    if (u && u.hostname) hosts.add(u.host.toLowerCase());
  }
  return [...hosts];
}

export interface HostRule {
  connector: string;
  /** Host patterns allowed (manifest ∪ operator list, or the pinned hosts). */
  allowed: readonly string[];
  /** Says where the rule came from, for the refusal. */
  source: 'operator-app' | 'pinned';
  /** The environment variable an operator sets to allow more hosts. */
  envName?: string;
}

/** The refusal when `url` (the rendered `field`) goes to a host outside the rule. */
export function hostRefusal(rule: HostRule, field: OAuthUrlField, url: string): ConnectorError | undefined {
  const u = safeUrl(url);
  const host = u?.host.toLowerCase() ?? '';
  if (u && rule.allowed.some((p) => hostMatches(host, p))) return undefined;
  const allowed = rule.allowed.length ? rule.allowed.join(', ') : '(none)';
  const why = rule.source === 'pinned'
    ? `this connection was authorized with the operator's OAuth app for ${allowed} only; reconnect to use another host`
    : `the operator's OAuth app of connector ${rule.connector} may only be used with ${allowed} (the manifest's hosts` +
      `${rule.envName ? ` and ${rule.envName}` : ''}); use an OAuth app of the tenant's own (\`patchbay oauth-apps set ${rule.connector} --tenant <tenant>\`)` +
      `${rule.envName ? ` or have the operator allow the host in ${rule.envName}` : ''}`;
  return new ConnectorError({
    kind: 'config', origin: 'connection',
    connector: rule.connector,
    message: `OAuth ${field} host "${host || url}" is not allowed: ${why}`,
    retryable: false,
    details: [{ path: `auth.${field}`, message: `host ${host || url} is not allowed for this OAuth app` }],
  });
}

/** Renders every OAuth URL of the method with `tctx` and throws the first refusal. */
export function checkHosts(rule: HostRule, method: PlanAuthMethod, tctx: TemplateContext): string[] {
  const used = new Set<string>();
  for (const f of OAUTH_URLS) {
    const url = render(method, f, tctx);
    if (!url) continue;
    const refused = hostRefusal(rule, f, url);
    if (refused) throw refused;
    used.add(new URL(url).host.toLowerCase());
  }
  return [...used];
}

/** The pinned-hosts rule from a connection's settings, when a consent with the operator's app set one. */
export function pinnedRule(connector: string, settings: Record<string, unknown> | undefined): HostRule | undefined {
  const pinned = settings?.[PINNED_HOSTS_SETTING];
  if (!Array.isArray(pinned)) return undefined;
  return { connector, allowed: pinned.filter((h): h is string => typeof h === 'string'), source: 'pinned' };
}

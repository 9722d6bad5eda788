/**
 * Where a check may prove an account from. `check.settings` route connector-level webhooks,
 * so the answer they come from must be the provider's: a check whose origin a tenant chooses
 * (`base_url: "{{config.api_url}}"`) would let any tenant "prove" any account id with a
 * server of their own. An origin is fixed when its scheme and host are literal, or when only
 * host labels left of a literal domain are templated (`https://{{config.shop}}.shops.example.com`:
 * the shop is the tenant's, the domain is the provider's).
 */
export interface ProofHost {
  /** The host (with port, as URL.host) the check must reach, when the host is literal. */
  exact?: string;
  /** A literal domain suffix (leading dot) the host must end with, when labels are templated. */
  suffix?: string;
}

/** The fixed part of a URL template's host, or undefined when a tenant can choose the origin. */
export function proofHost(source: string): ProofHost | undefined {
  const m = /^https?:\/\/([^/?#]*)/i.exec(source);
  if (!m) return undefined;
  const host = m[1];
  if (!host.includes('{{')) {
    try {
      return { exact: new URL(`${m[0]}/`).host };
    } catch {
      return undefined;
    }
  }
  const tail = host.slice(host.lastIndexOf('}}') + 2).toLowerCase();
  // At least two literal labels after the templated ones: `.example.com`, not `.com`.
  return /^(\.[a-z0-9-]+){2,}(:\d+)?$/.test(tail) ? { suffix: tail } : undefined;
}

/** Whether a request URL reached the fixed part of the origin. */
export function reachesProofHost(url: string, fixed: ProofHost): boolean {
  let host: string;
  try {
    host = new URL(url).host.toLowerCase();
  } catch {
    return false;
  }
  if (fixed.exact !== undefined) return host === fixed.exact.toLowerCase();
  return fixed.suffix !== undefined && host.endsWith(fixed.suffix) && host.length > fixed.suffix.length;
}

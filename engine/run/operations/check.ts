/** Proving a connection works: config and credentials validate, and the check request succeeds. */
import { ConnectorError } from '../../core/errors.js';
import { renderRequest } from '../http/render.js';
import { reachesProofHost } from '../../manifest/proof-origin.js';
import { renderOptions, type ResolvedConnection } from './context.js';
import { plain } from '../../lang/plain.js';
import type { OperationRuntime } from './runtime.js';

export interface CheckResult {
  ok: true;
  /** What the manifest's `check.output` reports about the account. */
  output?: unknown;
  /** Settings the manifest's `check.settings` took from the response (the provider's own word). */
  settings?: Record<string, unknown>;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}

/**
 * Failure is an exception (the same ConnectorError any request raises), so `ok` is always
 * true. A connector without a check request is checked as far as it can be: its config and
 * credentials were validated when the connection was resolved.
 */
export async function check(rt: OperationRuntime, rc: ResolvedConnection, signal?: AbortSignal): Promise<CheckResult> {
  const spec = rc.plan.check;
  if (!spec) return { ok: true };
  const request = await renderRequest(spec.request, spec.http, { ...rc.base }, renderOptions(rc));
  // A tenant's config value rendered into the host (`evil.example#`) must not move the check
  // off the provider's domain while its answer still proves an account. An operator's
  // base_url override (tests, sandboxes) is the operator's choice and is taken as given.
  // In an environment the provider's host is the environment's (a sandbox proves sandbox accounts).
  const fixed = rc.environment?.baseUrl && spec.http.inheritsBaseUrl && !spec.request.url ? rc.environment.proofHost : spec.proofHost;
  if (spec.settings && fixed && rc.connection.baseUrl === undefined && !reachesProofHost(request.url, fixed)) {
    throw new ConnectorError({
      kind: 'config', origin: 'connection', connector: rc.plan.id,
      message: `the check would go to ${safeHost(request.url)}, outside the provider's ${fixed.exact ?? `*${fixed.suffix}`}; check the connection's config`,
    });
  }
  const res = await rt.send(rc, request, { http: spec.http, operation: 'check', signal });
  const vars = { headers: res.headers, status: res.status };
  let settings: Record<string, unknown> | undefined;
  for (const [k, e] of Object.entries(spec.settings ?? {})) {
    const v = plain(await e.evaluate(res.body, vars));
    if (v !== undefined && v !== null) (settings ??= {})[k] = v;
  }
  return {
    ok: true,
    ...(spec.output ? { output: plain(await spec.output.evaluate(res.body, vars)) } : {}),
    ...(settings ? { settings } : {}),
  };
}

/** Proving a connection works: config and credentials validate, and the check request succeeds. */
import { renderRequest } from '../http/render.js';
import type { ResolvedConnection } from './context.js';
import { plain } from './plain.js';
import type { OperationRuntime } from './runtime.js';

export interface CheckResult {
  ok: true;
  /** What the manifest's `check.output` reports about the account. */
  output?: unknown;
}

/**
 * Failure is an exception (the same ConnectorError any request raises), so `ok` is always
 * true. A connector without a check request is checked as far as it can be: its config and
 * credentials were validated when the connection was resolved.
 */
export async function check(rt: OperationRuntime, rc: ResolvedConnection, signal?: AbortSignal): Promise<CheckResult> {
  const spec = rc.plan.check;
  if (!spec) return { ok: true };
  const request = await renderRequest(spec.request, spec.http, { ...rc.base }, { baseUrl: rc.connection.baseUrl });
  const res = await rt.send(rc, request, { http: spec.http, operation: 'check', signal });
  if (!spec.output) return { ok: true };
  return { ok: true, output: plain(await spec.output.evaluate(res.body, { headers: res.headers, status: res.status })) };
}

/** The verifier protocol: one registered strategy per `verify.type`. */
import type { PlanVerify } from '../../plan/plan.js';
import type { VerifyResult } from '../../core/webhook.js';

export interface VerifyInput {
  rawBody: Buffer;
  method: string;
  /** The full URL the provider called (scheme, host, path, query). */
  url: string;
  /** Lower-case names, one string each. */
  headers: Record<string, string>;
  /** The parsed body, for signed-payload templates that want it. */
  body: unknown;
  /** What secret and signed templates see: the connection's values and the connector-level ones (`secrets`, `app`). */
  connection: {
    config: Record<string, unknown>;
    credentials: Record<string, unknown>;
    settings: Record<string, unknown>;
    secrets?: Record<string, string>;
    app?: Record<string, string | undefined>;
  };
  /** Epoch ms. */
  now: number;
}

export interface Verifier {
  readonly type: PlanVerify['type'];
  /** Must never throw: hostile input is an answer (`ok: false`), not an exception. */
  verify(spec: PlanVerify, input: VerifyInput): VerifyResult;
}

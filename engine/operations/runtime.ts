/**
 * What operations need from the engine around them. Keeping this seam narrow lets the
 * operations stay ignorant of how requests are sent (client, auth, limits, retries).
 */
import type { InboundResponse, OutboundRequest } from '../http/types.js';
import type { PlanHttp } from '../manifest/plan.js';
import type { ResolvedConnection } from './context.js';

export interface SendOptions {
  http: PlanHttp;
  /** `check`, `action:<name>`, `stream:<name>`. */
  operation: string;
  signal?: AbortSignal;
}

export interface OperationRuntime {
  send(rc: ResolvedConnection, req: OutboundRequest, opts: SendOptions): Promise<InboundResponse>;
}

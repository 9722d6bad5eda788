/** The route protocol: one registered kind per action a route can take on a matched event. */
import { planStream, type Plan, type PlanRoute, type PlanStream } from '../../../plan/plan.js';
import type { TenantScope } from '../../store/scope.js';
import type { RecordsRepo } from '../../store/records.js';
import type { StateRepo } from '../../store/state.js';
import type { SyncRun } from '../../store/runs.js';
import { ConnectorError } from '../../../core/errors.js';
import type { ClaimedEvent } from '../events-store.js';
import type { NormalizedEvent } from '../types.js';

export interface RouteServices {
  records: RecordsRepo;
  state: StateRepo;
  /** Starts (or joins the next) webhook-triggered sync of a stream and resolves with its run. */
  sync(ref: { tenant: string; id: string }, stream: string): Promise<SyncRun>;
  /** To in-process listeners and, when configured, to subscribers. */
  emit(event: NormalizedEvent): Promise<void>;
}

export interface RouteContext {
  plan: Plan;
  route: PlanRoute;
  /** Position in the manifest's routes: part of emitted event ids, so retries repeat them. */
  routeIndex: number;
  event: ClaimedEvent;
  connectionId: string;
  scope: TenantScope;
  /** What route expressions see: `{ event, body, headers }`. */
  input: { event: unknown; body: unknown; headers: Record<string, string> };
  services: RouteServices;
}

export interface RouteKind {
  readonly kind: string;
  applies(route: PlanRoute): boolean;
  run(ctx: RouteContext): Promise<void>;
}

export function streamOf(ctx: RouteContext, name: string): PlanStream {
  const stream = planStream(ctx.plan, name);
  if (!stream) throw new ConnectorError({ kind: 'config', origin: 'manifest', connector: ctx.plan.id, message: `webhook route ${ctx.routeIndex + 1} names stream "${name}", which connector ${ctx.plan.id} does not have` });
  return stream;
}

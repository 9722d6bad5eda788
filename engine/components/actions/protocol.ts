/**
 * The contract of a webhook route action: what a route does with a matched event. A route
 * holds one section per action, under the action's name (`upsert:`, `emit:`), and they run
 * in the family's order: actions that provide a value first (`fetch`, whose result the
 * others read as `fetched`), then writes, then syncs, then emits. An action says what to do
 * with the event; the platform's services do the storing and calling, so an action needs no
 * database of its own and every action is safe to repeat (the worker retries a failed event
 * as a whole).
 */
import type { FieldSpecs, KindSpec, Resolved } from '../kit.js';
import type { NormalizedEvent } from '../../core/webhook.js';
import type { Plan, PlanStream } from '../../plan/plan.js';

/** What every compiled action carries: its name. */
export interface RouteActionBase {
  type: string;
}

export interface SyncOutcome {
  id: string;
  status: string;
  error?: string | null;
  errorKind?: string | null;
}

/** What the platform does for an action, bound to the event's tenant and connection. */
export interface RouteServices {
  /** Raw provider records through the stream's mapping, as a sync page is mapped. */
  map(stream: PlanStream, raw: unknown[]): Promise<Array<Record<string, unknown>>>;
  /** A mapped record's identity from the stream's primary key; undefined when a part is missing. */
  identify(stream: PlanStream, record: Record<string, unknown>): string | undefined;
  /** Writes mapped records with the content-hash upsert a sync uses. */
  write(stream: PlanStream, records: Array<{ externalId: string; data: Record<string, unknown> }>): Promise<void>;
  markDeleted(stream: PlanStream, externalIds: string[]): Promise<void>;
  /** Starts (or joins the next) webhook-triggered sync of a stream and resolves with its run. */
  sync(stream: PlanStream): Promise<SyncOutcome>;
  /** To in-process listeners and, when configured, to subscribers. */
  emit(event: NormalizedEvent): Promise<void>;
  /**
   * Calls an action of the connector on the event's connection, the way an API caller would:
   * its auth, the connector's rate limits and retries, the outbound guard. `raw`: the
   * provider's response body, before the action's `output`.
   */
  call(action: string, input: Record<string, unknown>, opts?: { raw?: boolean }): Promise<unknown>;
  /** One record by id through a stream's single-record request (`get:`), mapped unless `raw`. */
  get(stream: string, id: string, opts?: { raw?: boolean }): Promise<unknown>;
}

/** What route expressions see: the event, and what earlier actions of the route provided (`fetched`). */
export interface RouteInput {
  event: unknown;
  body: unknown;
  headers: Record<string, string>;
  [provided: string]: unknown;
}

/**
 * What an action that `provides` a value answers: the value, bound for the route's later
 * actions, or `skip`: nothing to act on, so the rest of the route does not run.
 */
export type Provided = { value: unknown } | { skip: true };

export interface RouteContext<C extends RouteActionBase = RouteActionBase> {
  plan: Plan;
  /** This action's compiled section of the route. */
  config: C;
  /** Position in the manifest's routes: part of emitted event ids, so retries repeat them. */
  routeIndex: number;
  event: { id: string; receivedAt: number };
  tenant: string;
  connectionId: string;
  /** What route expressions see: `{ event, body, headers }` and values provided earlier in the route. */
  input: RouteInput;
  services: RouteServices;
}

export interface RouteActionKind<C extends RouteActionBase = RouteActionBase, Fs extends FieldSpecs = FieldSpecs> extends KindSpec {
  readonly fields?: Fs;
  /** Compiled fields → plan config. Absent: the fields under their manifest names. */
  compile?(fields: Resolved<Fs>): Omit<C, 'type'>;
  /**
   * The name under which this action's result is bound for the route's other actions. Such
   * an action runs before those that do not provide, and its `run` answers a `Provided`.
   */
  readonly provides?: string;
  run(ctx: RouteContext<C>): Promise<void | Provided>;
  /** One line for `describe`: `upsert issues`. */
  summary?(config: C): string;
}

/** Types an action's definition (its compiled fields from the declarations); registering is separate. */
export function defineRouteAction<C extends RouteActionBase, const Fs extends FieldSpecs = Record<never, never>>(kind: RouteActionKind<C, Fs>): RouteActionKind<C, Fs> {
  return kind;
}

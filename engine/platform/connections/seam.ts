/**
 * The slice of the engine the stateful layer uses. The platform adapts the real engine to
 * it; keeping it this narrow lets stores and syncs be reasoned about (and tested) apart
 * from how requests are made.
 */
import type { Connection } from '../../core/wire.js';
import type { Plan } from '../../plan/plan.js';
import type { ReadHandle } from '../../run/operations/read.js';
import type { EngineReadOptions } from '../../run/engine.js';
import type { DiscoverResult } from '../../run/operations/discover.js';
import type { OperationRuntime } from '../../run/operations/runtime.js';

export interface EngineSeam {
  /** The compiled plan of a connector, or undefined when the engine does not know it. */
  plan(connector: string): Plan | undefined;
  check(connection: Connection, opts?: { signal?: AbortSignal }): Promise<unknown>;
  read(connection: Connection, stream: string, opts: EngineReadOptions): ReadHandle;
  /** The streams of the connector's dynamic families; without it discovered streams cannot be synced. */
  discover?(connection: Connection, family?: string, opts?: { signal?: AbortSignal }): Promise<DiscoverResult>;
  /** How set-up and teardown requests are sent (the engine's auth, limits and guard); without it a connector with steps cannot connect. */
  requests?: OperationRuntime;
}

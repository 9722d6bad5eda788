/**
 * The slice of the engine the stateful layer uses. The platform adapts the real engine to
 * it; keeping it this narrow lets stores and syncs be reasoned about (and tested) apart
 * from how requests are made.
 */
import type { Connection } from '../../core/wire.js';
import type { Plan } from '../../plan/plan.js';
import type { ReadHandle, ReadOptions } from '../../run/operations/read.js';
import type { OperationRuntime } from '../../run/operations/runtime.js';

export interface EngineSeam {
  /** The compiled plan of a connector, or undefined when the engine does not know it. */
  plan(connector: string): Plan | undefined;
  check(connection: Connection, opts?: { signal?: AbortSignal }): Promise<unknown>;
  read(connection: Connection, stream: string, opts: ReadOptions): ReadHandle;
  /** How set-up and teardown requests are sent (the engine's auth, limits and guard); without it a connector with steps cannot connect. */
  requests?: OperationRuntime;
}

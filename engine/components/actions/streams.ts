/** The stream an action names; the validator checks the name, this is for manifests loaded without it. */
import { ConnectorError } from '../../core/errors.js';
import type { PlanStream } from '../../plan/plan.js';
import type { RouteContext } from './protocol.js';

export function streamOf(ctx: RouteContext<any>, name: string): PlanStream {
  // Own keys only: a route naming `constructor` must not find Object.prototype's.
  const stream = Object.hasOwn(ctx.plan.streams, name) ? ctx.plan.streams[name] : undefined;
  if (!stream) throw new ConnectorError({ kind: 'config', origin: 'manifest', connector: ctx.plan.id, message: `webhook route ${ctx.routeIndex + 1} names stream "${name}", which connector ${ctx.plan.id} does not have` });
  return stream;
}

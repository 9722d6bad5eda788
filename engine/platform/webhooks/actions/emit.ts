/**
 * `emit`: a normalized event for listeners and subscribers. Its id is derived from the
 * stored event and the route, so a retried event emits the same ids and receivers can
 * deduplicate (delivery is at least once).
 */
import { plain } from '../../../lang/plain.js';
import type { NormalizedEvent } from '../types.js';
import type { RouteKind } from './types.js';

export const emitRoute: RouteKind = {
  kind: 'emit',
  applies: (route) => route.emit !== undefined,
  async run(ctx) {
    const spec = ctx.route.emit!;
    const data = spec.data ? plain(await spec.data.evaluate(ctx.input)) : ctx.input.event;
    const event: NormalizedEvent = {
      id: `${ctx.event.id}.${ctx.routeIndex}`,
      type: spec.event,
      connector: ctx.plan.id,
      connection: ctx.connectionId,
      tenant: ctx.scope.tenant,
      data: data ?? null,
      occurred_at: new Date(ctx.event.receivedAt).toISOString(),
    };
    await ctx.services.emit(event);
  },
};

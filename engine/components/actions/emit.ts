/**
 * `emit`: a normalized event for listeners and subscribers. Its id is derived from the
 * stored event and the route, so a retried event emits the same ids and receivers can
 * deduplicate (delivery is at least once).
 */
import type { CompiledExpr } from '../../lang/expr.js';
import { plain } from '../../lang/plain.js';
import { expression, literal, schemaOf } from '../kit.js';
import { defineRouteAction, type RouteActionBase } from './protocol.js';

export interface EmitAction extends RouteActionBase {
  type: 'emit';
  event: string;
  data?: CompiledExpr;
}

export const emitAction = defineRouteAction({
  type: 'emit',
  description: 'Emit a normalized event to subscribers and in-process listeners.',
  fields: {
    event: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Normalized event name, e.g. `ticket.created`.', required: true }),
    data: expression({ description: 'Event data; default the event' }),
  },
  summary: (c: EmitAction) => `emit ${c.event}`,
  async run(ctx) {
    const data = ctx.config.data ? plain(await ctx.config.data.evaluate(ctx.input)) : ctx.input.event;
    await ctx.services.emit({
      id: `${ctx.event.id}.${ctx.routeIndex}`,
      type: ctx.config.event,
      connector: ctx.plan.id,
      connection: ctx.connectionId,
      tenant: ctx.tenant,
      data: data ?? null,
      occurred_at: new Date(ctx.event.receivedAt).toISOString(),
    });
  },
});

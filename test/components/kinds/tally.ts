/**
 * A route action as a host writes one, through the package entry only: it adds up an amount
 * from the event and emits it as a normalized event, after the built-in actions have run.
 */
import { defineRouteAction, expression, literal, schemaOf, type CompiledExpr, type RouteActionBase } from '../../../engine/index.js';

export interface TallyAction extends RouteActionBase {
  type: 'tally';
  stream: string;
  amount: CompiledExpr;
}

export const tally = defineRouteAction({
  type: 'tally',
  description: 'Emit `<stream>.tallied` with the sum of the amounts in the event.',
  fields: {
    stream: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Stream the amounts belong to.', required: true, ref: 'stream' }),
    amount: expression({ description: 'The amounts, e.g. `event.lines.amount`', required: true }),
  },
  summary: (c: TallyAction) => `tally ${c.stream}`,
  async run(ctx) {
    const v = await ctx.config.amount.evaluate(ctx.input);
    const total = ([] as unknown[]).concat(v ?? []).reduce<number>((sum, x) => sum + Number(x), 0);
    await ctx.services.emit({
      id: `${ctx.event.id}.${ctx.routeIndex}.tally`, type: `${ctx.config.stream}.tallied`, connector: ctx.plan.id,
      connection: ctx.connectionId, tenant: ctx.tenant, data: { total }, occurred_at: new Date(ctx.event.receivedAt).toISOString(),
    });
  },
});

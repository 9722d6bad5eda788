/** `delete`: soft-deletes a stream's record by primary key (a composite key as a list). */
import { ConnectorError } from '../../../core/errors.js';
import { plain } from '../../../lang/plain.js';
import { streamOf, type RouteKind } from './types.js';

const scalar = (v: unknown) => (typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v));

export const deleteRoute: RouteKind = {
  kind: 'delete',
  applies: (route) => route.delete !== undefined,
  async run(ctx) {
    const spec = ctx.route.delete!;
    const stream = streamOf(ctx, spec.stream);
    const value = plain(await spec.id.evaluate(ctx.input));
    // Same identity as a synced record: one key as its text, a composite key as a JSON list.
    let externalId: string | undefined;
    if (stream.primaryKey.length > 1) externalId = Array.isArray(value) && value.every(scalar) ? JSON.stringify(value.map(String)) : undefined;
    else externalId = scalar(value) ? String(value) : undefined;
    if (externalId === undefined) {
      throw new ConnectorError({ kind: 'mapping', origin: 'manifest', connector: ctx.plan.id, message: `webhook route ${ctx.routeIndex + 1}: the delete id for stream ${stream.name} is missing or not a key value` });
    }
    await ctx.scope.transaction(async (tx) => {
      await ctx.services.state.ensure(tx, ctx.connectionId, stream.name);
      await ctx.services.records.markDeleted(tx, ctx.connectionId, stream.name, [externalId!]);
    });
  },
};

/**
 * `sync`: runs an incremental sync of the stream (trigger `webhook`). A failed run fails the
 * route, so the event is retried and a later sync picks up what this one could not.
 */
import { ConnectorError, ERROR_KINDS, type ErrorKind } from '../../../core/errors.js';
import { streamOf, type RouteKind } from './types.js';

export const syncRoute: RouteKind = {
  kind: 'sync',
  applies: (route) => route.sync !== undefined,
  async run(ctx) {
    const stream = streamOf(ctx, ctx.route.sync!.stream);
    const run = await ctx.services.sync({ tenant: ctx.scope.tenant, id: ctx.connectionId }, stream.name);
    if (run.status === 'failed') {
      const kind = (ERROR_KINDS as readonly string[]).includes(run.errorKind ?? '') ? (run.errorKind as ErrorKind) : 'server';
      throw new ConnectorError({ kind, origin: 'provider', connector: ctx.plan.id, message: `sync ${run.id} of ${stream.name} failed: ${run.error ?? 'unknown error'}` });
    }
  },
};

/**
 * `sync`: runs an incremental sync of the stream (trigger `webhook`). A failed run fails the
 * route, so the event is retried and a later sync picks up what this one could not.
 */
import { ConnectorError, ERROR_KINDS, type ErrorKind } from '../../core/errors.js';
import { literal, schemaOf } from '../kit.js';
import { defineRouteAction, type RouteActionBase } from './protocol.js';
import { streamOf } from './streams.js';

export interface SyncAction extends RouteActionBase {
  type: 'sync';
  stream: string;
}

export const syncAction = defineRouteAction({
  type: 'sync',
  description: 'Start a sync of a stream.',
  fields: {
    stream: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Stream name.', required: true, ref: 'stream' }),
  },
  summary: (c: SyncAction) => `sync ${c.stream}`,
  async run(ctx) {
    const stream = streamOf(ctx, ctx.config.stream);
    const run = await ctx.services.sync(stream);
    if (run.status === 'failed') {
      const kind = (ERROR_KINDS as readonly string[]).includes(run.errorKind ?? '') ? (run.errorKind as ErrorKind) : 'server';
      throw new ConnectorError({ kind, origin: 'provider', connector: ctx.plan.id, message: `sync ${run.id} of ${stream.name} failed: ${run.error ?? 'unknown error'}` });
    }
  },
});

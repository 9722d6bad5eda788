/**
 * `upsert`: the raw record(s) chosen by JSONata go through the stream's own mapping and into
 * the records table with the same content-hash write a sync uses, so a record that a
 * webhook and a later sync both deliver is written once.
 */
import { ConnectorError } from '../../core/errors.js';
import type { CompiledExpr } from '../../lang/expr.js';
import { plain } from '../../lang/plain.js';
import { expression, literal, schemaOf } from '../kit.js';
import { asRecords } from '../pagination/drive.js';
import { defineRouteAction, type RouteActionBase } from './protocol.js';
import { streamOf } from './streams.js';

export interface UpsertAction extends RouteActionBase {
  type: 'upsert';
  stream: string;
  record: CompiledExpr;
}

export const upsertAction = defineRouteAction({
  type: 'upsert',
  description: 'Write a record into a stream, through the stream\'s mapping.',
  fields: {
    stream: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Stream name.', required: true, ref: 'stream' }),
    record: expression({ description: 'The raw record, e.g. `body.issue` or `event.data.object`', required: true }),
  },
  summary: (c: UpsertAction) => `upsert ${c.stream}`,
  async run(ctx) {
    const stream = streamOf(ctx, ctx.config.stream);
    const raw = asRecords(plain(await ctx.config.record.evaluate(ctx.input)));
    if (raw.length === 0) return;
    const mapped = await ctx.services.map(stream, raw);
    const records = mapped.map((data, i) => {
      const externalId = ctx.services.identify(stream, data);
      if (externalId === undefined) {
        throw new ConnectorError({
          kind: 'mapping', origin: 'manifest', connector: ctx.plan.id,
          message: `webhook route ${ctx.routeIndex + 1}: record ${i + 1} for stream ${stream.name} has no value for its primary key (${stream.primaryKey.join(', ')})`,
        });
      }
      return { externalId, data };
    });
    await ctx.services.write(stream, records);
  },
});

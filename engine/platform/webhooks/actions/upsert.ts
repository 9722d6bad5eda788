/**
 * `upsert`: the raw record(s) chosen by JSONata go through the stream's own mapping and into
 * the records table with the same content-hash write a sync uses, so a record that a
 * webhook and a later sync both deliver is written once.
 */
import { ConnectorError } from '../../../core/errors.js';
import { mapPage } from '../../../run/operations/records.js';
import { plain } from '../../../lang/plain.js';
import { asRecords } from '../../../components/pagination/drive.js';
import type { IncomingRecord } from '../../store/records.js';
import { externalIdOf } from '../../sync/keys.js';
import { streamOf, type RouteKind } from './types.js';

export const upsertRoute: RouteKind = {
  kind: 'upsert',
  applies: (route) => route.upsert !== undefined,
  async run(ctx) {
    const spec = ctx.route.upsert!;
    const stream = streamOf(ctx, spec.stream);
    const raw = asRecords(plain(await spec.record.evaluate(ctx.input)));
    if (raw.length === 0) return;
    const mapped = await mapPage(stream, raw, {});
    const incoming: IncomingRecord[] = mapped.map((record, i) => {
      const externalId = externalIdOf(stream, record);
      if (externalId === undefined) {
        throw new ConnectorError({
          kind: 'mapping', origin: 'manifest', connector: ctx.plan.id,
          message: `webhook route ${ctx.routeIndex + 1}: record ${i + 1} for stream ${stream.name} has no value for its primary key (${stream.primaryKey.join(', ')})`,
        });
      }
      return { externalId, data: record };
    });
    await ctx.scope.transaction(async (tx) => {
      await ctx.services.state.ensure(tx, ctx.connectionId, stream.name);
      await ctx.services.records.writePage(tx, { connectionId: ctx.connectionId, stream: stream.name, model: stream.model }, incoming);
    });
  },
};

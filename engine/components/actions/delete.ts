/** `delete`: soft-deletes a stream's record by primary key (a composite key as a list). */
import { ConnectorError } from '../../core/errors.js';
import type { CompiledExpr } from '../../lang/expr.js';
import { plain } from '../../lang/plain.js';
import { expression, literal, schemaOf } from '../kit.js';
import { defineRouteAction, type RouteActionBase } from './protocol.js';
import { streamOf } from './streams.js';

export interface DeleteAction extends RouteActionBase {
  type: 'delete';
  stream: string;
  id: CompiledExpr;
}

const scalar = (v: unknown) => (typeof v === 'string' && v !== '') || (typeof v === 'number' && Number.isFinite(v));

export const deleteAction = defineRouteAction({
  type: 'delete',
  description: 'Mark a record of a stream deleted.',
  fields: {
    stream: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Stream name.', required: true, ref: 'stream' }),
    id: expression({ description: 'Primary key value, e.g. `$string(body.issue.id)`', required: true }),
  },
  summary: (c: DeleteAction) => `delete ${c.stream}`,
  async run(ctx) {
    const stream = streamOf(ctx, ctx.config.stream);
    const value = plain(await ctx.config.id.evaluate(ctx.input));
    // Same identity as a synced record: one key as its text, a composite key as a JSON list.
    let externalId: string | undefined;
    if (stream.primaryKey.length > 1) externalId = Array.isArray(value) && value.every(scalar) ? JSON.stringify(value.map(String)) : undefined;
    else externalId = scalar(value) ? String(value) : undefined;
    if (externalId === undefined) {
      throw new ConnectorError({ kind: 'mapping', origin: 'manifest', connector: ctx.plan.id, message: `webhook route ${ctx.routeIndex + 1}: the delete id for stream ${stream.name} is missing or not a key value` });
    }
    await ctx.services.markDeleted(stream, [externalId]);
  },
});

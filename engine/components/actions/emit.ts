/**
 * `emit`: a normalized event for listeners and subscribers. Its id is derived from the
 * stored event and the route, so a retried event emits the same ids and receivers can
 * deduplicate (delivery is at least once).
 *
 * With `stream:` the event carries the unified record: the raw provider object(s) chosen by
 * `record` go through that stream's mapping, so `contact.updated` has one shape whichever
 * provider sent it, and the provider's object rides beside it as `raw`. `id` instead of
 * `record` announces a deletion (`data` is `{ id }`). An array emits one event per record.
 */
import { ConnectorError } from '../../core/errors.js';
import type { CompiledExpr } from '../../lang/expr.js';
import { plain } from '../../lang/plain.js';
import { expression, literal, schemaOf } from '../kit.js';
import { asRecords } from '../pagination/drive.js';
import { defineRouteAction, type RouteActionBase, type RouteContext } from './protocol.js';
import { streamOf } from './streams.js';

export interface EmitAction extends RouteActionBase {
  type: 'emit';
  event: string;
  data?: CompiledExpr;
  stream?: string;
  record?: CompiledExpr;
  id?: CompiledExpr;
}

interface Payload { data: unknown; raw?: unknown; model?: string }

async function payloads(ctx: RouteContext<EmitAction>): Promise<Payload[]> {
  const c = ctx.config;
  if (c.stream === undefined) {
    const data = c.data ? plain(await c.data.evaluate(ctx.input)) : ctx.input.event;
    return [{ data: data ?? null }];
  }
  const stream = streamOf(ctx, c.stream);
  const model = stream.model;
  if (c.id) {
    const ids = asRecords(plain(await c.id.evaluate(ctx.input)));
    return ids.map((id) => ({ data: { id: typeof id === 'number' ? String(id) : id }, model }));
  }
  if (!c.record) {
    throw new ConnectorError({ kind: 'config', origin: 'manifest', connector: ctx.plan.id, message: `webhook route ${ctx.routeIndex + 1}: emit with stream ${c.stream} needs record or id` });
  }
  const raw = asRecords(plain(await c.record.evaluate(ctx.input)));
  const mapped = raw.length ? await ctx.services.map(stream, raw) : [];
  return mapped.map((data, i) => ({ data, raw: raw[i], model }));
}

export const emitAction = defineRouteAction({
  type: 'emit',
  description: 'Emit a normalized event to subscribers and in-process listeners.',
  fields: {
    event: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Normalized event name, e.g. `ticket.created`.', required: true }),
    data: expression({ description: 'Event data without a stream; default the event' }),
    stream: literal({ schema: schemaOf<string>({ type: 'string' }), description: 'Stream whose mapping makes the unified record the event carries (its model names the event), with `record` or `id`.', ref: 'stream' }),
    record: expression({ description: 'With `stream`: the raw provider record(s), e.g. `body.data.object`; each goes through the stream\'s mapping and the raw one rides beside it' }),
    id: expression({ description: 'With `stream`, for deletions: the id(s) of the deleted record(s); the event data is `{ id }`' }),
  },
  summary: (c: EmitAction) => `emit ${c.event}${c.stream ? ` (${c.stream})` : ''}`,
  async run(ctx) {
    const list = await payloads(ctx);
    for (const [i, p] of list.entries()) {
      await ctx.services.emit({
        // One event keeps the route's id (as before records were lists); several are numbered.
        id: list.length === 1 ? `${ctx.event.id}.${ctx.routeIndex}` : `${ctx.event.id}.${ctx.routeIndex}.${i}`,
        type: ctx.config.event,
        connector: ctx.plan.id,
        connection: ctx.connectionId,
        tenant: ctx.tenant,
        data: p.data,
        ...(p.model ? { model: p.model } : {}),
        ...(p.raw !== undefined ? { raw: p.raw } : {}),
        occurred_at: new Date(ctx.event.receivedAt).toISOString(),
      });
    }
  },
});

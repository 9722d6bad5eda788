/**
 * One record by id through a stream's single-record request (`get:`): render with `id`,
 * send, select the record, map it as a read would. A provider's 404 stays `not_found`
 * (origin provider), so callers can tell "gone" from a failure.
 */
import { ConnectorError } from '../../core/errors.js';
import { plain } from '../../lang/plain.js';
import { renderRequest } from '../http/render.js';
import { renderOptions, type ResolvedConnection } from './context.js';
import { findStream } from './read.js';
import { mapPage, mappingValues, selectRecords } from './records.js';
import type { OperationRuntime } from './runtime.js';

export async function getRecord(rt: OperationRuntime, rc: ResolvedConnection, streamName: string, id: string, opts: { raw?: boolean; signal?: AbortSignal } = {}): Promise<unknown> {
  const stream = findStream(rc, streamName);
  const get = stream.get;
  if (!get) {
    throw new ConnectorError({
      kind: 'config', origin: 'caller', connector: rc.plan.id,
      message: `stream ${streamName} of ${rc.plan.id} has no single-record request (\`get:\` in the manifest), so a record cannot be read by id`,
    });
  }
  if (id === '') throw new ConnectorError({ kind: 'validation', origin: 'caller', message: 'a record id is needed' });
  const req = await renderRequest(get.request, get.http, { ...rc.base, id }, renderOptions(rc));
  const res = await rt.send(rc, req, { http: get.http, operation: `stream:${streamName}:get`, signal: opts.signal });
  const [raw] = await selectRecords(get.record, res);
  if (raw === undefined) {
    throw new ConnectorError({ kind: 'not_found', origin: 'provider', connector: rc.plan.id, message: `${rc.plan.id} answered no record for ${streamName} ${JSON.stringify(id)}` });
  }
  if (opts.raw) return plain(raw);
  const [record] = await mapPage(stream, [raw], mappingValues(rc.base));
  return record;
}

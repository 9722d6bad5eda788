/**
 * What route actions do through the platform, bound to one event's tenant and connection:
 * mapping and identity as a sync has them, the records write a sync uses (so a record a
 * webhook and a later sync both bring is written once), coalesced syncs, emits, and action
 * calls through the engine (the connector's rate limits, retries and outbound guard).
 */
import type { RouteServices, SyncOutcome } from '../../components/actions/protocol.js';
import type { NormalizedEvent } from '../../core/webhook.js';
import type { Connection } from '../../core/wire.js';
import { mapPage, mappingValues, readsConnectionValues } from '../../run/operations/records.js';
import type { RecordsRepo } from '../store/records.js';
import type { StateRepo } from '../store/state.js';
import type { Store } from '../store/store.js';
import { externalIdOf } from '../../run/operations/keys.js';

export interface RouteServiceDeps {
  store: Store;
  records: RecordsRepo;
  state: StateRepo;
  sync(ref: { tenant: string; id: string }, stream: string): Promise<SyncOutcome>;
  emit(event: NormalizedEvent): Promise<void>;
  /** The connection with its credentials opened. */
  resolve(ref: { tenant: string; id: string }): Promise<Connection>;
  call(ref: { tenant: string; id: string }, conn: Connection, action: string, input: Record<string, unknown>, opts: { raw?: boolean }): Promise<unknown>;
  get(ref: { tenant: string; id: string }, conn: Connection, stream: string, id: string, opts: { raw?: boolean }): Promise<unknown>;
}

export function routeServices(d: RouteServiceDeps, tenant: string, connectionId: string): RouteServices {
  const scope = d.store.scope(tenant);
  // Opened once per event: a batch of fetches shares one connection, so a token the engine
  // refreshes for one call is the token the next call sends.
  let connection: Promise<Connection> | undefined;
  const opened = () =>
    (connection ??= d.resolve({ tenant, id: connectionId }).catch((err: unknown) => {
      connection = undefined;
      throw err;
    }));
  return {
    // Only a mapping that reads `$config` or `$settings` opens the connection for them.
    map: async (stream, raw) => mapPage(stream, raw, readsConnectionValues(stream) ? mappingValues(await opened()) : {}),
    identify: (stream, record) => externalIdOf(stream, record),
    write: (stream, records) =>
      scope.transaction(async (tx) => {
        await d.state.ensure(tx, connectionId, stream.name);
        await d.records.writePage(tx, { connectionId, stream: stream.name, model: stream.model }, records);
      }),
    markDeleted: (stream, externalIds) =>
      scope.transaction(async (tx) => {
        await d.state.ensure(tx, connectionId, stream.name);
        await d.records.markDeleted(tx, connectionId, stream.name, externalIds);
      }),
    sync: (stream) => d.sync({ tenant, id: connectionId }, stream.name),
    emit: (event) => d.emit(event),
    call: async (action, input, opts = {}) => d.call({ tenant, id: connectionId }, await opened(), action, input, opts),
    get: async (stream, id, opts = {}) => d.get({ tenant, id: connectionId }, await opened(), stream, id, opts),
  };
}

/**
 * The operator's connector secrets (the manifest's top-level `secrets:`) on every connection
 * the engine runs, so request-time auth templates can read `secrets.*` (an app secret keying
 * a per-request proof). The platform stores them; this wrapper fetches them when an operation
 * starts, before the connection is resolved.
 *
 * Decisions:
 * - Set on the caller's connection object (as base URL overrides are): the engine replaces its
 *   credentials in place on refresh and callers watch that object.
 * - A connector that declares no `secrets:` costs nothing: no lookup happens.
 * - Platform-rendered requests (set-up steps, webhook subscriptions) get them in `send`, and
 *   their values join the operation's redaction set there, since it was built before.
 */
import type { Engine } from '../run/engine.js';
import type { Connection } from '../core/wire.js';
import { deferredIterator } from '../run/operations/deferred.js';
import type { ReadHandle } from '../run/operations/read.js';

export type ConnectorSecretsSource = (connector: string) => Promise<Record<string, string>>;

const WRAPPED = Symbol.for('patchbay.connectorSecrets');

export function withConnectorSecrets(engine: Engine, source: ConnectorSecretsSource): Engine {
  if ((engine as Partial<Record<typeof WRAPPED, boolean>>)[WRAPPED]) return engine;
  const declares = (conn: Connection): boolean => {
    const p = engine.plans.get(conn.connector)?.secretsSchema as { properties?: object } | undefined;
    return p?.properties !== undefined && Object.keys(p.properties).length > 0;
  };
  const load = async (conn: Connection): Promise<Connection> => {
    if (conn.secrets === undefined && declares(conn)) conn.secrets = { ...(await source(conn.connector)) };
    return conn;
  };
  const read = (conn: Connection, stream: string, opts?: Parameters<Engine['read']>[2]): ReadHandle => {
    const inner = engine.read(conn, stream, opts);
    if (conn.secrets !== undefined || !declares(conn)) return inner;
    const prepare = async () => { await load(conn); };
    return {
      get state() { return inner.state; },
      get pages() { return inner.pages; },
      get records() { return inner.records; },
      get complete() { return inner.complete; },
      pagesIterable: () => ({ [Symbol.asyncIterator]: () => deferredIterator(prepare, () => inner.pagesIterable()[Symbol.asyncIterator]()) }),
      [Symbol.asyncIterator]: () => deferredIterator(prepare, () => inner[Symbol.asyncIterator]()),
    };
  };
  const requests = engine.requests;
  return {
    [WRAPPED]: true,
    get plans() { return engine.plans; },
    plan: (id) => engine.plan(id),
    requests: {
      ...requests,
      send: async (rc, req, o) => {
        if (rc.connection.secrets === undefined && declares(rc.connection)) {
          await load(rc.connection);
          for (const v of Object.values(rc.connection.secrets ?? {})) rc.secrets.add(v);
        }
        return requests.send(rc, req, o);
      },
    },
    check: async (conn, opts) => engine.check(await load(conn), opts),
    call: async (conn, action, input, opts) => engine.call(await load(conn), action, input, opts),
    get: async (conn, stream, id, opts) => engine.get(await load(conn), stream, id, opts),
    discover: async (conn, family, opts) => engine.discover(await load(conn), family, opts),
    read,
    close: () => engine.close(),
  } as Engine & { [WRAPPED]: true };
}

/**
 * Per-connection base URL overrides, for operators only (tests against local fake
 * providers, sandboxes). The override is kept in the connection's settings under a reserved
 * name, and only an engine wrapped here turns it into `Connection.baseUrl`. A server started
 * without the option neither accepts the field nor sends anywhere with one stored earlier:
 * its engine refuses such a connection outright (`base_url_not_allowed`), because quietly
 * sending a sandbox connection's calls to the real provider is worse than failing.
 */
import { preparingConnections, preparingRequests, type Engine } from '../run/engine.js';
import { ConnectorError } from '../core/errors.js';
import type { Connection } from '../core/wire.js';
import { storedBaseUrl } from '../platform/connections/settings.js';

export { BASE_URL_SETTING, storedBaseUrl } from '../platform/connections/settings.js';

const WRAPPED = Symbol.for('patchbay.baseUrlOverrides');
const REFUSING = Symbol.for('patchbay.baseUrlRefused');

export const BASE_URL_REFUSED = 'this server does not allow base URL overrides (it was started without --allow-base-url)';

export function baseUrlNotAllowed(conn: { id?: string; connector?: string }): ConnectorError {
  const who = conn.id ? `connection ${conn.id}` : 'the connection';
  return new ConnectorError({
    kind: 'config', origin: 'connection',
    code: 'base_url_not_allowed',
    connector: conn.connector,
    message: `${who} has a base_url override, but ${BASE_URL_REFUSED}; remove it (PATCH base_url: null) or start the server with --allow-base-url`,
    details: [{ path: 'base_url', message: 'is not allowed on this server' }],
  });
}

/**
 * Sets `baseUrl` on the caller's object rather than a copy: the engine replaces
 * `credentials` in place when it refreshes a token, and callers look for that change.
 */
function withBase(conn: Connection): Connection {
  const url = storedBaseUrl(conn.settings);
  if (url !== undefined && conn.baseUrl === undefined) conn.baseUrl = url;
  return conn;
}

/** An engine that applies stored base URL overrides; everything else passes through. */
export function withBaseUrlOverrides(engine: Engine): Engine {
  if (hasBaseUrlOverrides(engine)) return engine;
  return Object.assign(preparingConnections(engine, withBase), { [WRAPPED]: true as const });
}

/** Refuses before sending anything for a connection with a stored override. */
function refuse(conn: Connection): Connection {
  if (conn.baseUrl === undefined && storedBaseUrl(conn.settings) !== undefined) throw baseUrlNotAllowed(conn);
  return conn;
}

/**
 * The engine of a server without overrides: a connection carrying one fails every check,
 * call and read with `base_url_not_allowed` (a scheduled sync's run fails with it).
 */
export function refusingBaseUrlOverrides(engine: Engine): Engine {
  if (hasBaseUrlOverrides(engine) || (engine as Partial<Record<typeof REFUSING, boolean>>)[REFUSING]) return engine;
  const wrapped: Engine & { [REFUSING]: true } = {
    [REFUSING]: true,
    get plans() { return engine.plans; },
    plan: (id) => engine.plan(id),
    requests: preparingRequests(engine.requests, refuse),
    check: async (conn, opts) => engine.check(refuse(conn), opts),
    call: async (conn, action, input, opts) => engine.call(refuse(conn), action, input, opts),
    get: async (conn, stream, id, opts) => engine.get(refuse(conn), stream, id, opts),
    discover: async (conn, family, opts) => engine.discover(refuse(conn), family, opts),
    read: (conn, stream, opts) => {
      const handle = engine.read(conn, stream, opts);
      if (conn.baseUrl !== undefined || storedBaseUrl(conn.settings) === undefined) return handle;
      // Lazy like the engine's own reads: the refusal comes on the first page.
      const fail = (): AsyncIterator<never> => ({ next: () => Promise.reject(baseUrlNotAllowed(conn)) });
      return {
        get state() { return handle.state; },
        get pages() { return handle.pages; },
        get records() { return handle.records; },
        get complete() { return false; },
        pagesIterable: () => ({ [Symbol.asyncIterator]: fail }),
        [Symbol.asyncIterator]: fail,
      };
    },
    close: () => engine.close(),
  };
  return wrapped;
}

export function hasBaseUrlOverrides(engine: Engine): boolean {
  return (engine as Partial<Record<typeof WRAPPED, boolean>>)[WRAPPED] === true;
}

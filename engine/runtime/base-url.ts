/**
 * Per-connection base URL overrides, for operators only (tests against local fake
 * providers, sandboxes). The override is kept in the connection's settings under a reserved
 * name, and only an engine wrapped here turns it into `Connection.baseUrl`; a server started
 * without the option neither accepts the field nor honours one stored earlier.
 */
import type { Engine } from '../engine.js';
import type { Connection } from '../http/types.js';

export const BASE_URL_SETTING = '_patchbay_base_url';

const WRAPPED = Symbol.for('patchbay.baseUrlOverrides');

/**
 * Sets `baseUrl` on the caller's object rather than a copy: the engine replaces
 * `credentials` in place when it refreshes a token, and callers look for that change.
 */
function withBase(conn: Connection): Connection {
  const url = conn.settings?.[BASE_URL_SETTING];
  if (typeof url === 'string' && url !== '' && conn.baseUrl === undefined) conn.baseUrl = url;
  return conn;
}

/** An engine that applies stored base URL overrides; everything else passes through. */
export function withBaseUrlOverrides(engine: Engine): Engine {
  if (hasBaseUrlOverrides(engine)) return engine;
  const wrapped: Engine & { [WRAPPED]: true } = {
    [WRAPPED]: true,
    get plans() { return engine.plans; },
    plan: (id) => engine.plan(id),
    check: (conn, opts) => engine.check(withBase(conn), opts),
    call: (conn, action, input, opts) => engine.call(withBase(conn), action, input, opts),
    read: (conn, stream, opts) => engine.read(withBase(conn), stream, opts),
    close: () => engine.close(),
  };
  return wrapped;
}

export function hasBaseUrlOverrides(engine: Engine): boolean {
  return (engine as Partial<Record<typeof WRAPPED, boolean>>)[WRAPPED] === true;
}

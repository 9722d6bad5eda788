/** Scripted servers for the runner suites, one per test at most. */
import { afterEach } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '../../engine/testing/server.js';
import type { Exchange } from '../../engine/testing/types.js';

/**
 * `play` for a test file: the server it starts is closed after the test that started it,
 * so a failed test cannot leave its script (and port) to the next one.
 */
export function scriptedServerPerTest(): (exchanges: Exchange[]) => Promise<ScriptedServer> {
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  return async (exchanges) => {
    server = await startScriptedServer(exchanges);
    return server;
  };
}

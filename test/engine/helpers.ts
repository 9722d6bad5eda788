import { Writable } from 'node:stream';
import { afterEach } from 'vitest';
import { createEngine, type Engine, type EngineOptions } from '../../engine/run/engine.js';
import { compileSource } from '../../engine/plan/index.js';
import type { Plan } from '../../engine/plan/plan.js';
import { createLogger } from '../../engine/core/log.js';
import { startServer, type TestServer } from '../paginate/helpers.js';

/** Compile a manifest written inline; a manifest that does not compile fails the test with its diagnostics. */
export function compile(yaml: string, file = '/virtual/connectors/demo/connector.yaml'): Plan {
  const { plan, diagnostics } = compileSource(yaml, file);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (!plan || errors.length > 0) {
    throw new Error(`manifest did not compile:\n${errors.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`).join('\n')}`);
  }
  return plan;
}

/** A real pino logger whose JSON lines are captured. */
export function captureLogger() {
  const lines: Array<Record<string, any>> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

export function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

/** The rejection of `p` (which must reject), typed for property assertions. */
export async function failure(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the operation to fail, but it succeeded');
}

export interface EngineFixture {
  /** The current test's provider; `setup` starts it. */
  readonly server: TestServer;
  setup(handler: Parameters<typeof startServer>[0], logger?: EngineOptions['logger']): Promise<Engine>;
}

/**
 * A provider server and an engine over `connectors`, started by a test's `setup` and both
 * closed after that test, so no socket or timer of one test reaches the next.
 */
export function engineOverServer(connectors: () => EngineOptions['connectors']): EngineFixture {
  let server: TestServer | undefined;
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
    await server?.close();
    server = undefined;
  });
  return {
    get server() {
      if (!server) throw new Error('the test has not called setup()');
      return server;
    },
    async setup(handler, logger) {
      server = await startServer(handler);
      engine = await createEngine({ connectors: connectors(), logger });
      return engine;
    },
  };
}

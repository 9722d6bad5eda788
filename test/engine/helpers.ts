import { Writable } from 'node:stream';
import { compileSource } from '../../engine/manifest/index.js';
import type { Plan } from '../../engine/manifest/plan.js';
import { createLogger } from '../../engine/log.js';

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

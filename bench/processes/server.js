/**
 * One `serve`-equivalent process of the processes benchmark: the runtime on the shared
 * PostgreSQL database (request logs to /dev/null, no workers), with the benchmark's
 * connector. Prints `{"url"}` once listening.
 *
 * Usage: node bench/processes/server.js <database-url> <connectors-dir> <admin-key> <secret-keys>
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '../..');
const [database, connectorsDir, adminKey, secretKeys] = process.argv.slice(2);
const { startServer } = await import(pathToFileURL(join(root, 'dist/engine/runtime/server.js')).href);
const { createLogger } = await import(pathToFileURL(join(root, 'dist/engine/core/log.js')).href);
const pino = (await import('pino')).default;
const running = await startServer({
  port: 0,
  database,
  connectorsDir,
  secretKeys,
  adminKey,
  logger: createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: false }) }),
  outbound: { allowPrivate: true, allowHttp: ['127.0.0.1'] },
  allowBaseUrlOverride: true,
  workers: false,
  bootstrapAdminKey: false,
  rateLimit: { perSecond: 1e9, burst: 1e9 },
  print: () => undefined,
});
process.on('SIGTERM', () => void running.close().then(() => process.exit(0)));
process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);

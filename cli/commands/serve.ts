/**
 * `patchbay serve`: the HTTP runtime on the chosen database with the chosen connectors, until
 * SIGTERM or SIGINT, which shut it down gracefully; SIGHUP re-reads the secret keys. Request
 * logs are JSON lines on stdout; operator messages (address, first-run admin key) go to stderr.
 */
import type { Command } from 'commander';
import { connectorsDir } from '../context.js';
import { usage } from '../exit.js';
import { runOperation } from '../operation.js';
import { DB_HELP } from './connections.js';

interface ServeOptions {
  port: string;
  host: string;
  db?: string;
  allowBaseUrl?: boolean;
  workers: boolean;
  rateLimit?: string;
  burst?: string;
  bodyLimit?: string;
  shutdownGrace?: string;
}

function positive(cmd: Command, name: string, value: string | undefined, integer = true): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) usage(cmd, `--${name} must be a positive ${integer ? 'integer' : 'number'}`);
  return n;
}

export function register(program: Command): Command {
  return program
    .command('serve')
    .description('run the HTTP runtime (connections, actions, syncs, webhooks) until stopped')
    .option('--port <port>', 'TCP port (0 picks a free one)', process.env.PORT ?? '3000')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--db <url>', DB_HELP)
    .option('--rate-limit <per-second>', 'requests per second per API key (default 50)')
    .option('--burst <requests>', 'requests an idle API key may make at once (default 100)')
    .option('--body-limit <bytes>', 'largest request body (default 1048576)')
    .option('--shutdown-grace <ms>', 'how long shutdown waits for requests and syncs (default 10000)')
    .option('--allow-base-url', 'accept base_url on connections (tests and sandboxes only: a tenant could point a connector anywhere)')
    .option('--no-workers', 'do not run the scheduler and the webhook/delivery workers in this process')
    .addHelpText('after', '\nEnvironment: PATCHBAY_ADMIN_KEY (admin key), PATCHBAY_DATABASE_URL, PATCHBAY_SECRET_KEYS or PATCHBAY_SECRET_KEYS_FILE,\n' +
      'PATCHBAY_ALLOW_PRIVATE_NETWORKS / PATCHBAY_OUTBOUND_ALLOWLIST (outbound address policy),\n' +
      'PATCHBAY_ALLOW_HTTP_HOSTS (hosts reached over plain http; every other http URL is refused), PORT.\n' +
      'Signals: SIGTERM/SIGINT shut down gracefully; SIGHUP re-reads the secret key file.')
    .action(async (opts: ServeOptions, cmd: Command) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) usage(cmd, '--port must be 0-65535');
      const perSecond = positive(cmd, 'rate-limit', opts.rateLimit, false);
      const burst = positive(cmd, 'burst', opts.burst);
      const bodyLimit = positive(cmd, 'body-limit', opts.bodyLimit);
      const shutdownGraceMs = positive(cmd, 'shutdown-grace', opts.shutdownGrace);
      const dir = connectorsDir(cmd);
      await runOperation(async () => {
        const { startServer } = await import('../../engine/runtime/index.js');
        const running = await startServer({
          port,
          host: opts.host,
          database: opts.db,
          connectorsDir: dir,
          allowBaseUrlOverride: opts.allowBaseUrl === true,
          workers: opts.workers,
          rateLimit: perSecond !== undefined || burst !== undefined ? { perSecond, burst } : undefined,
          bodyLimit,
          shutdownGraceMs,
          handleSignals: true,
        });
        await running.closed;
        // Anything still holding the event loop after a graceful shutdown (a sync that ignored
        // the stop) must not keep the process alive; its lease lapses and the next run resumes.
        setTimeout(() => process.exit(), 2000).unref();
      });
    });
}

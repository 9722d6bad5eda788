/**
 * `patchbay serve` and `npm start`: the engine, platform and app wired together on a
 * listening socket, with the background workers running and a graceful shutdown: stop
 * accepting, let in-flight requests finish (bounded), let background syncs finish or stop
 * between pages (each page is checkpointed), stop the workers, close the store.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEngine } from '../run/engine.js';
import type { Connection, RefreshGate } from '../core/wire.js';
import { createLogger, type Logger } from '../core/log.js';
import { createPlatform, type Platform } from '../platform/platform.js';
import type { SchedulerOptions } from '../platform/sync/scheduler.js';
import { createApp, type RuntimeApp, type RuntimeOptions } from './app.js';
import { writeAdminKeyFile } from './bootstrap.js';
import { refusingBaseUrlOverrides, withBaseUrlOverrides } from './base-url.js';
import { withConnectorSecrets } from '../platform/connector-secrets-engine.js';
import { outboundPolicyFromEnv, type OutboundPolicy } from '../run/http/outbound-guard.js';
import { startOAuthWorkers, type OAuthWorkers } from './oauth/context.js';
import { intakeLimitsFromEnv } from './auth/intake-limit.js';

export interface ServerOptions extends Omit<RuntimeOptions, 'platform' | 'engine' | 'logger'> {
  /** Default 3000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Database URL; default `PATCHBAY_DATABASE_URL`, else `sqlite:./patchbay.db`. */
  database?: string;
  /** Connectors directory. */
  connectorsDir: string;
  secretKeys?: string;
  /** A key file re-read when it changes and on SIGHUP; default `PATCHBAY_SECRET_KEYS_FILE`. */
  secretKeysFile?: string;
  logger?: Logger;
  /** Outbound policy; default from `PATCHBAY_ALLOW_PRIVATE_NETWORKS` / `PATCHBAY_OUTBOUND_ALLOWLIST` / `PATCHBAY_ALLOW_HTTP_HOSTS`. */
  outbound?: OutboundPolicy;
  /** Run the scheduler, the webhook and delivery workers and the retention purge. Default true. */
  workers?: boolean;
  scheduler?: SchedulerOptions;
  /** How long shutdown waits for in-flight requests, then for background syncs. Default 10 s. */
  shutdownGraceMs?: number;
  /** Shut down on SIGTERM and SIGINT, and re-read the secret keys on SIGHUP. Default false (the CLI turns it on). */
  handleSignals?: boolean;
  /** On a store that never had a key, create an admin key and save it beside an SQLite database. Default true. */
  bootstrapAdminKey?: boolean;
  /** Where operator messages go (listening address, admin key hint); default stderr. */
  print?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  server: http.Server;
  app: RuntimeApp;
  platform: Platform;
  /** Graceful shutdown; safe to call more than once. */
  close(): Promise<void>;
  /** Settles when shutdown has finished, however it was started (a signal or `close`). */
  closed: Promise<void>;
}

/** Counts requests in flight so shutdown can wait for them. */
function trackRequests(server: http.Server) {
  let active = 0;
  let waiters: Array<() => void> = [];
  server.on('request', (_req, res: http.ServerResponse) => {
    active++;
    res.once('close', () => {
      active--;
      // A keep-alive socket that just went idle would otherwise hold the server open.
      if (!server.listening) server.closeIdleConnections();
      if (active === 0) {
        for (const w of waiters) w();
        waiters = [];
      }
    });
  });
  return {
    idle(timeoutMs: number): Promise<boolean> {
      if (active === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        timer.unref();
        waiters.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
  };
}

/** Whether `p` settled within `ms` (it keeps running either way). */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  return Promise.race([p.then(() => true, () => true), timeout]).finally(() => clearTimeout(timer));
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const print = opts.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  const logger = opts.logger ?? createLogger({ name: 'patchbay' });
  let platformRef: Platform | undefined;
  // The engine exists before the platform whose listener persists refreshed tokens: bind late.
  const onCredentials = (c: Connection, creds: Record<string, unknown>, settings?: Record<string, unknown>) => platformRef?.onCredentials(c, creds, settings);
  // Limiters are made on a key's first request, after the platform below exists.
  const rateSlots = () => platformRef?.rateSlots;
  const refreshGate: RefreshGate = (c, method, refresh) =>
    platformRef ? platformRef.refreshGate(c, method, refresh) : refresh({ credentials: c.credentials ?? {}, settings: c.settings });
  const base = await createEngine({ connectors: opts.connectorsDir, logger, onCredentials, refreshGate, outbound: opts.outbound ?? outboundPolicyFromEnv(), rateSlots });
  // Operator secrets come from the platform's store, read when an operation starts (bound late too).
  const withSecrets = withConnectorSecrets(base, async (connector) => (platformRef ? (await platformRef.webhooks.connectorSecrets.context(connector)).secrets : {}));
  const engine = opts.allowBaseUrlOverride ? withBaseUrlOverrides(withSecrets) : refusingBaseUrlOverrides(withSecrets);
  let platform: Platform;
  try {
    platform = await createPlatform({ engine, database: opts.database, secretKeys: opts.secretKeys, secretKeysFile: opts.secretKeysFile, logger, scheduler: opts.scheduler, outbound: opts.outbound ?? outboundPolicyFromEnv(), webhooks: { publicUrl: process.env.PATCHBAY_PUBLIC_URL }, warn: (m) => print(m.trimEnd()) });
  } catch (err) {
    await base.close();
    throw err;
  }
  platformRef = platform;

  let app: RuntimeApp;
  try {
    const webhookIntakeLimit = opts.webhookIntakeLimit === false ? false : { ...intakeLimitsFromEnv(), ...opts.webhookIntakeLimit };
    app = createApp({ ...opts, webhookIntakeLimit, platform, engine, logger });
    if (opts.bootstrapAdminKey !== false && !app.runtime.services.keys.hasEnvAdminKey && (await app.runtime.services.keys.count()) === 0) {
      const { key } = await app.runtime.services.keys.create({ admin: true, name: 'bootstrap' });
      const file = platform.store.file && platform.store.file !== ':memory:' ? writeAdminKeyFile(platform.store.file, key) : undefined;
      if (file) print(`patchbay: first run: created an admin key, saved (mode 0600) in ${file}\npatchbay:   export PATCHBAY_KEY=$(cat ${file})`);
      else print(`patchbay: first run: created an admin key (shown once): ${key}`);
      print('patchbay:   create tenant keys with `patchbay keys create --tenant <tenant>` or POST /v1/keys with the admin key');
    }
  } catch (err) {
    await platform.close();
    await base.close();
    throw err;
  }

  // Serving before this process hears other processes' changes would serve revoked keys from its cache.
  if (!(await platform.store.invalidations.ready())) logger.warn({}, 'not listening for changes from other processes yet; retrying in the background (caches fall back to their time-to-live)');
  const server = http.createServer(app.callback());
  // Slow clients must not hold sockets forever; a long sync is started with 202, not held open.
  server.requestTimeout = 5 * 60_000;
  server.headersTimeout = 30_000;
  const requests = trackRequests(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 3000, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address, family } = server.address() as AddressInfo;
  const url = `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;

  let oauthWorkers: OAuthWorkers | undefined;
  if (opts.workers !== false) {
    platform.scheduler.start();
    platform.webhooks.start();
    platform.deliveries.start();
    platform.retention.start();
    // Idle connections nearing token expiry are refreshed here, one process at a time.
    oauthWorkers = startOAuthWorkers(app.runtime.services);
  }
  print(`patchbay: serving ${engine.plans.size} connector(s) on ${url} (database ${platform.store.display}); API description at ${url}/openapi.json`);

  const grace = opts.shutdownGraceMs ?? 10_000;
  let closing: Promise<void> | undefined;
  let settle!: (p: Promise<void>) => void;
  const closed = new Promise<void>((resolve) => { settle = resolve; });
  const onSignal = (signal: NodeJS.Signals) => {
    print(`patchbay: ${signal}: shutting down (waiting up to ${Math.round(grace / 1000)}s for requests and syncs)`);
    void close().then(() => print('patchbay: stopped'), (err) => print(`patchbay: shutdown failed: ${(err as Error).message}`));
  };
  // SIGHUP would otherwise end the process; here it re-reads the keys (the platform logs the outcome).
  const onHangup = () => {
    try {
      platform.secrets.reload('signal');
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'secret key ring reload failed; keeping the previous keys');
    }
  };
  const close = (): Promise<void> => {
    closing ??= (async () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      process.off('SIGHUP', onHangup);
      app.runtime.services.lifecycle.draining = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (!(await requests.idle(grace))) {
        logger.warn({ graceMs: grace }, 'shutdown: requests still running after the grace period; closing their connections');
        server.closeAllConnections();
      }
      await stopped;
      await app.runtime.services.background.drain(grace);
      await oauthWorkers?.stop();
      // Scheduled syncs are waited for too, within the same bound; past it the engine's
      // sockets are closed, which fails their current page: the run ends partial and the
      // next one resumes from the last committed page.
      const platformClosed = platform.close();
      if (!(await within(platformClosed, grace))) {
        logger.warn({ graceMs: grace }, 'shutdown: scheduled syncs still running after the grace period; stopping them');
        await base.close();
        await within(platformClosed, grace);
      }
      await base.close();
    })();
    settle(closing);
    return closing;
  };
  if (opts.handleSignals) {
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    process.on('SIGHUP', onHangup);
  }
  return { url, port, server, app, platform, close, closed };
}

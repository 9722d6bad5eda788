/**
 * A real runtime on a free port over a fresh SQLite file, with the shipped connectors, its
 * JSON log lines captured, every reply checked against its documented schema, and helpers
 * to call it as a tenant or as the admin.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { createLogger, type Logger, type LoggerOptions } from '../../engine/core/log.js';
import { packageRoot } from '../../engine/core/package-root.js';
import { startServer, type RunningServer, type ServerOptions } from '../../engine/runtime/server.js';
import { LOCAL_OUTBOUND } from '../outbound/helpers.js';

export const SHIPPED_CONNECTORS = path.join(packageRoot(), 'connectors');
/** Ids of the connectors shipped in connectors/ (what `npm start` serves). */
export const SHIPPED_IDS: string[] = readdirSync(SHIPPED_CONNECTORS).filter((d) => existsSync(path.join(SHIPPED_CONNECTORS, d, 'connector.yaml'))).sort();
export const TEST_SECRET_KEYS = `test:${randomBytes(32).toString('base64')}`;

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export interface CallOptions {
  key?: string;
  body?: unknown;
  /** Sent as is (no JSON encoding). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
  tenant?: string;
  /** `manual` to see a redirect itself (its status and location) instead of its target. */
  redirect?: RequestRedirect;
}

export interface TestRuntime {
  url: string;
  running: RunningServer;
  adminKey: string;
  dir: string;
  database: string;
  /** Every log line, parsed. */
  logs: Array<Record<string, any>>;
  /** Every log line as written. */
  rawLogs: string[];
  /** The logger writing those lines, for services a suite wires up itself. */
  logger: Logger;
  keyFor(tenant: string): Promise<string>;
  /** `urlPath` is a path on the runtime, or a whole URL elsewhere. */
  call(method: string, urlPath: string, opts?: CallOptions): Promise<Reply>;
  close(): Promise<void>;
}

/**
 * `logLevel` is `info` unless a suite needs more: the ones asserting that no secret is ever
 * logged read `debug` lines too.
 */
export async function startRuntime(opts: Partial<ServerOptions> = {}, logLevel: LoggerOptions['level'] = 'info'): Promise<TestRuntime> {
  const dir = mkdtempSync(path.join(tmpdir(), 'patchbay-runtime-'));
  const database = `sqlite:${path.join(dir, 'runtime.db')}`;
  const logs: Array<Record<string, any>> = [];
  const rawLogs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) {
        if (!l.trim()) continue;
        rawLogs.push(l);
        logs.push(JSON.parse(l));
      }
      done();
    },
  });
  const adminKey = `admin-${randomBytes(24).toString('base64url')}`;
  const logger = createLogger({ level: logLevel, destination });
  const running = await startServer({
    port: 0,
    host: '127.0.0.1',
    database,
    connectorsDir: SHIPPED_CONNECTORS,
    secretKeys: TEST_SECRET_KEYS,
    adminKey,
    logger,
    outbound: LOCAL_OUTBOUND,
    allowBaseUrlOverride: true,
    workers: false,
    bootstrapAdminKey: false,
    validateResponses: true,
    print: () => undefined,
    ...opts,
  });
  const url = running.url;
  const keys = new Map<string, string>();

  async function call(method: string, urlPath: string, o: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.key !== undefined) headers.authorization = `Bearer ${o.key}`;
    if (o.tenant !== undefined) headers['x-patchbay-tenant'] = o.tenant;
    let body: string | Uint8Array | undefined;
    if (o.raw !== undefined) body = typeof o.raw === 'string' ? o.raw : new Uint8Array(o.raw);
    else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const target = urlPath.startsWith('http') ? urlPath : `${url}${urlPath}`;
    const res = await fetch(target, { method, headers, body: body as BodyInit | undefined, redirect: o.redirect });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  return {
    url,
    running,
    adminKey,
    dir,
    database,
    logs,
    rawLogs,
    logger,
    async keyFor(tenant) {
      if (!keys.has(tenant)) keys.set(tenant, (await running.app.runtime.services.keys.create({ tenant })).key);
      return keys.get(tenant)!;
    },
    call,
    async close() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a stripe connection for a tenant against the fake provider; fails the test unless it is stored. */
export async function connectStripe(rt: TestRuntime, tenant: string, baseUrl: string, apiKey = 'sk_test_good123', name = 'main'): Promise<any> {
  const res = await rt.call('POST', '/v1/connections', {
    key: await rt.keyFor(tenant),
    body: { connector: 'stripe', name, credentials: { api_key: apiKey }, base_url: baseUrl },
  });
  if (res.status !== 201) throw new Error(`connection not created: ${res.status} ${res.text}`);
  return res.body;
}

export async function waitFor<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

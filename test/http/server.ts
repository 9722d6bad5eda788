import http from 'node:http';
import { afterEach } from 'vitest';
import type { AddressInfo } from 'node:net';

export interface Seen {
  method: string;
  path: string;
  /** Path and query exactly as received. */
  rawUrl: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  at: number;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string | string[]>;
  /** Objects are sent as JSON; strings as they are. */
  body?: unknown;
  /** Hold the response this long (for concurrency and timeout tests). */
  delayMs?: number;
}

export interface TestServer {
  url: string;
  port: number;
  seen: Seen[];
  /** Most requests the server was handling at one time. */
  maxInFlight(): number;
  close(): Promise<void>;
}

export type Handler = (req: Seen, index: number) => Reply | Promise<Reply>;

/** A real HTTP server on 127.0.0.1 that records each request and answers via `handler`. */
export async function startServer(handler: Handler = () => ({ body: { ok: true } })): Promise<TestServer> {
  const seen: Seen[] = [];
  let inFlight = 0;
  let max = 0;
  let base = '';
  const server = http.createServer(async (req, res) => {
    inFlight++;
    max = Math.max(max, inFlight);
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const u = new URL(req.url ?? '/', base);
      const entry: Seen = {
        method: req.method ?? 'GET', path: u.pathname, rawUrl: req.url ?? '/', query: u.searchParams,
        headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8'), at: Date.now(),
      };
      seen.push(entry);
      let reply: Reply;
      try {
        reply = await handler(entry, seen.length - 1);
      } catch (err) {
        reply = { status: 500, body: String(err) };
      }
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      const isText = typeof reply.body === 'string';
      res.writeHead(reply.status ?? 200, { 'content-type': isText ? 'text/plain' : 'application/json', ...reply.headers });
      res.end(reply.body === undefined ? '' : isText ? (reply.body as string) : JSON.stringify(reply.body));
    } finally {
      inFlight--;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    port,
    seen,
    maxInFlight: () => max,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/**
 * `serve` for a test file: each server it starts is closed after the test that started it,
 * so a failed assertion cannot leave a socket (and its recorded requests) to the next test.
 */
export function serverPerTest(): (handler: Handler) => Promise<TestServer> {
  const servers: TestServer[] = [];
  afterEach(async () => { await Promise.all(servers.splice(0).map((s) => s.close())); });
  return async (handler) => {
    const s = await startServer(handler);
    servers.push(s);
    return s;
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

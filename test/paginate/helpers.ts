import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InboundResponse, OutboundRequest } from '../../engine/core/wire.js';

export interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string | string[]>;
  body?: unknown;
}

export interface TestServer {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 that records each request and answers via `handler`. */
export async function startServer(handler: (req: Seen, index: number, base: string) => Reply | Promise<Reply>): Promise<TestServer> {
  const seen: Seen[] = [];
  let base = '';
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const u = new URL(req.url ?? '/', base);
    const entry: Seen = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body: text ? JSON.parse(text) : undefined };
    seen.push(entry);
    try {
      const reply = await handler(entry, seen.length - 1, base);
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    seen,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A minimal sender for paginator tests (no auth, no retries): just the wire. */
export async function send(req: OutboundRequest): Promise<InboundResponse> {
  const qs = new URLSearchParams(req.query).toString();
  const res = await fetch(qs ? `${req.url}?${qs}` : req.url, {
    method: req.method,
    headers: { ...req.headers, ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: req.body !== undefined ? JSON.stringify(req.body) : undefined,
  });
  const rawBody = await res.text();
  const headers: Record<string, string | string[]> = {};
  res.headers.forEach((v, k) => { headers[k] = v; });
  return { status: res.status, headers, rawBody, body: rawBody ? JSON.parse(rawBody) : undefined, url: res.url };
}

export function get(url: string, query: Array<[string, string]> = []): OutboundRequest {
  return { method: 'GET', url, query, headers: {}, bodyFormat: 'none' };
}

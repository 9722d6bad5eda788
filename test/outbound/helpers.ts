/**
 * Shared pieces of the outbound guard suites (test/outbound, test/security): a probe
 * connector whose base URL a tenant sets through config, engines with a given outbound
 * policy, a plain listener that counts what reaches it, and scripted DNS answers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEngine, type Engine } from '../../engine/run/engine.js';
import type { OutboundPolicy } from '../../engine/run/http/outbound-guard.js';
import type { Plan } from '../../engine/plan/plan.js';
import { compile } from '../engine/helpers.js';

/**
 * What a suite running providers on local http servers gives a guarded runtime: private
 * addresses allowed (the suites use 127.0.0.1) and plain http to the loopback names.
 */
export const LOCAL_OUTBOUND: OutboundPolicy = { allowPrivate: true, allowHttp: ['127.0.0.1', 'localhost', '[::1]'] };

/** The probe connector: `config.api_url` is the base URL (a default when `fallback` is given); `auth` is its only auth method. */
export function probePlan(opts: { fallback?: string; auth?: string } = {}): Plan {
  const base = opts.fallback ? `'{{default config.api_url "${opts.fallback}"}}'` : `'{{config.api_url}}'`;
  return compile(`
patchbay: 1
id: probe
name: Probe
config:
  type: object
  properties:
    api_url: { type: string }
auth:
  methods:
    ${opts.auth ?? 'none: { type: none }'}
  default: ${opts.auth ? opts.auth.split(':')[0] : 'none'}
http:
  base_url: ${base}
  retry: { max_attempts: 1 }
actions:
  fetch:
    request: { path: /data }
    output: "$"
`, '/virtual/connectors/probe/connector.yaml');
}

/** Engines over one plan, each with its own outbound policy (undefined: no guard), closed together. */
export function probeEngines(plan: Plan) {
  const engines: Engine[] = [];
  return {
    async with(outbound?: OutboundPolicy): Promise<Engine> {
      const e = await createEngine({ connectors: [plan], outbound });
      engines.push(e);
      return e;
    },
    /** The probe's `fetch` against `apiUrl`, as a connection of its own. */
    call: (e: Engine, apiUrl: string, extra: { id?: string; credentials?: Record<string, unknown> } = {}) =>
      e.call({ connector: 'probe', id: extra.id ?? `c-${apiUrl}`, config: { api_url: apiUrl }, credentials: extra.credentials }, 'fetch'),
    async close(): Promise<void> {
      for (const e of engines.splice(0)) await e.close();
    },
  };
}

export interface Listener {
  port: number;
  /** Every request that reached the socket, with its headers (a leaked token would be here). */
  requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }>;
  close(): Promise<void>;
}

/** A plain http listener on 127.0.0.1 answering `body` (JSON) to everything. */
export async function startListener(body: unknown = { reached: true }): Promise<Listener> {
  const requests: Listener['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c as Buffer));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

type LookupCb = (err: Error | null, address: unknown, family?: number) => void;

/**
 * A resolver answering `answers[i]` to its i-th query (the last one again after that), in
 * both of net's forms: one address, or a list when asked for `all`.
 */
export function scriptedLookup(...answers: string[][]) {
  let calls = 0;
  return (_host: string, opts: unknown, cb: LookupCb) => {
    const list = answers[Math.min(calls++, answers.length - 1)];
    const family = (a: string) => (a.includes(':') ? 6 : 4);
    if ((opts as { all?: boolean } | undefined)?.all) cb(null, list.map((address) => ({ address, family: family(address) })));
    else cb(null, list[0], family(list[0]));
  };
}
